//go:build windows

// Command wintext reads and drives the edit control of the first window of
// a class (Notepad's), for the Windows end-to-end tests run under Wine:
// the Linux side cannot reach a Windows window's text itself.
//
//	wintext [CLASS]          print the text (CLASS default Notepad)
//	wintext -set TEXT        replace the text (WM_SETTEXT)
//	wintext -set-file PATH   the same with a UTF-8 file's text, its "\n"
//	                         made "\r\n" as Windows programs hold text
//	                         (a file: Wine converts command lines through
//	                         the Unix locale, which may not be UTF-8)
//	wintext -copy            select all and copy (WM_COPY: Notepad's own
//	                         process puts it on the clipboard, as Ctrl+C)
//	wintext -paste           select all and paste (WM_PASTE, as Ctrl+V)
package main

import (
	"fmt"
	"os"
	"strings"
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
	wmSetText       = 0x000C
	wmGetText       = 0x000D
	wmGetTextLength = 0x000E
	wmCopy          = 0x0301
	wmPaste         = 0x0302
	emSetSel        = 0x00B1
)

func main() {
	class, cmd, arg := "Notepad", "", ""
	if len(os.Args) > 1 && len(os.Args[1]) > 1 && os.Args[1][0] == '-' {
		cmd = os.Args[1]
		if len(os.Args) > 2 {
			arg = os.Args[2]
		}
	} else if len(os.Args) > 1 {
		class = os.Args[1]
	}
	h := editOf(class)
	switch cmd {
	case "":
		n := send(h, wmGetTextLength, 0, 0)
		buf := make([]uint16, n+1)
		send(h, wmGetText, n+1, uintptr(unsafe.Pointer(&buf[0])))
		fmt.Print(windows.UTF16ToString(buf))
	case "-set":
		u, err := windows.UTF16FromString(arg)
		if err != nil {
			fail(err.Error())
		}
		send(h, wmSetText, 0, uintptr(unsafe.Pointer(&u[0])))
	case "-set-file":
		b, err := os.ReadFile(arg)
		if err != nil {
			fail(err.Error())
		}
		text := strings.ReplaceAll(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n", "\r\n")
		u, err := windows.UTF16FromString(text)
		if err != nil {
			fail(err.Error())
		}
		send(h, wmSetText, 0, uintptr(unsafe.Pointer(&u[0])))
	case "-copy":
		send(h, emSetSel, 0, ^uintptr(0))
		send(h, wmCopy, 0, 0)
	case "-paste":
		send(h, emSetSel, 0, ^uintptr(0))
		send(h, wmPaste, 0, 0)
	default:
		fail("unknown command " + cmd)
	}
}

// editOf finds the edit control of the first top-level window of class.
func editOf(class string) uintptr {
	cls, _ := windows.UTF16PtrFromString(class)
	top, _, _ := procFindWindow.Call(uintptr(unsafe.Pointer(cls)), 0)
	if top == 0 {
		fail("no window of class " + class)
	}
	edit, _ := windows.UTF16PtrFromString("Edit")
	h, _, _ := procFindChild.Call(top, 0, uintptr(unsafe.Pointer(edit)), 0)
	if h == 0 {
		fail("no edit control")
	}
	return h
}

func send(h uintptr, msg uint32, w, l uintptr) uintptr {
	r, _, _ := procSendMessage.Call(h, uintptr(msg), w, l)
	return r
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "wintext:", msg)
	os.Exit(1)
}
