//go:build !windows

package testdir

// needed: elsewhere t.TempDir works as it is.
const needed = false
