//go:build windows

// Command wintext prints the text of the first window of a class's edit
// control (Notepad's text), for the Windows end-to-end test run under
// Wine: the Linux side cannot read a Windows window's text itself.
//
//	wintext [CLASS]   (default Notepad)
package main

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32          = windows.NewLazySystemDLL("user32.dll")
	procFindWindow  = user32.NewProc("FindWindowW")
	procFindChild   = user32.NewProc("FindWindowExW")
	procSendMessage = user32.NewProc("SendMessageW")
)

const (
	wmGetText       = 0x000D
	wmGetTextLength = 0x000E
)

func main() {
	class := "Notepad"
	if len(os.Args) > 1 {
		class = os.Args[1]
	}
	cls, _ := windows.UTF16PtrFromString(class)
	top, _, _ := procFindWindow.Call(uintptr(unsafe.Pointer(cls)), 0)
	if top == 0 {
		fmt.Fprintln(os.Stderr, "no window of class", class)
		os.Exit(1)
	}
	edit, _ := windows.UTF16PtrFromString("Edit")
	h, _, _ := procFindChild.Call(top, 0, uintptr(unsafe.Pointer(edit)), 0)
	if h == 0 {
		fmt.Fprintln(os.Stderr, "no edit control")
		os.Exit(1)
	}
	n, _, _ := procSendMessage.Call(h, wmGetTextLength, 0, 0)
	buf := make([]uint16, n+1)
	procSendMessage.Call(h, wmGetText, n+1, uintptr(unsafe.Pointer(&buf[0])))
	fmt.Print(windows.UTF16ToString(buf))
}
