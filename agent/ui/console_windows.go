package ui

import "unsafe"

// HideOwnConsole hides the console window when Windows opened it just for
// this program — a console-subsystem exe that was double-clicked — and
// reports whether it did. Started from cmd.exe or PowerShell, the console
// is shared with the shell and stays. Call it before Open when the window
// replaces the terminal; the alternative, linking with -H windowsgui,
// also loses the console for `tether support` typed in a terminal.
func HideOwnConsole() bool {
	if procGetConsoleWindow.Find() != nil || procGetConsoleProcessList.Find() != nil {
		return false
	}
	h := call(procGetConsoleWindow)
	if h == 0 {
		return false
	}
	var pids [2]uint32
	// Only this process attached: the console is ours.
	if n := call(procGetConsoleProcessList, uintptr(unsafe.Pointer(&pids[0])), 2); n != 1 {
		return false
	}
	call(procShowWindow, h, swHide)
	return true
}
