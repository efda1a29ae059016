package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// The agent is linked as a GUI-subsystem program (-H windowsgui): a
// double-clicked support app opens no console window, only its own window
// and dialogs. Started from a terminal (`tether support …` in cmd.exe or
// PowerShell) it attaches to that terminal's console so it still prints
// there and reads the security code from it.
func init() { attachParentConsole() }

var attachConsole = windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")

const attachParentProcess = ^uintptr(0) // ATTACH_PARENT_PROCESS, (DWORD)-1

func attachParentConsole() {
	if r, _, _ := attachConsole.Call(attachParentProcess); r == 0 {
		return // no parent console: double-clicked, or a service
	}
	// Handles a parent redirected (pipes, files) stay; only the missing
	// ones are bound to the console.
	if !valid(windows.STD_OUTPUT_HANDLE) {
		if f := openConsole("CONOUT$", windows.STD_OUTPUT_HANDLE); f != nil {
			os.Stdout = f
		}
	}
	if !valid(windows.STD_ERROR_HANDLE) {
		if f := openConsole("CONOUT$", windows.STD_ERROR_HANDLE); f != nil {
			os.Stderr = f
		}
	}
	if !valid(windows.STD_INPUT_HANDLE) {
		if f := openConsole("CONIN$", windows.STD_INPUT_HANDLE); f != nil {
			os.Stdin = f
		}
	}
}

func valid(std uint32) bool {
	h, err := windows.GetStdHandle(std)
	if err != nil || h == 0 || h == windows.InvalidHandle {
		return false
	}
	_, err = windows.GetFileType(h)
	return err == nil
}

func openConsole(name string, std uint32) *os.File {
	p, _ := windows.UTF16PtrFromString(name)
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		return nil
	}
	windows.SetStdHandle(std, h)
	return os.NewFile(uintptr(h), name)
}
