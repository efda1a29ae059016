//go:build unix && !linux && !darwin

package shell

// sessionMembers is not implemented here: Close then reaches the shell's
// and the terminal's foreground process groups, and the hangup of the
// terminal reaches the rest.
func sessionMembers(int) []int { return nil }
