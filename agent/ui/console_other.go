//go:build !windows

package ui

// HideOwnConsole does nothing outside Windows (a double-clicked program
// gets no terminal there); see the Windows version.
func HideOwnConsole() bool { return false }
