//go:build race

package agent_test

// raceEnabled: the race detector slows byte-pushing tests ~10×; they move
// less data under it.
const raceEnabled = true
