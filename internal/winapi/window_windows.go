package winapi

import "golang.org/x/sys/windows"

// WndClassEx is user32's WNDCLASSEXW (RegisterClassExW), for the packages
// that make windows of their own: the customer window (agent/ui) and the
// clipboard's message-only window. Size is filled in by the caller
// (unsafe.Sizeof).
type WndClassEx struct {
	Size       uint32
	Style      uint32
	WndProc    uintptr
	ClsExtra   int32
	WndExtra   int32
	Instance   windows.Handle
	Icon       windows.Handle
	Cursor     windows.Handle
	Background windows.Handle
	MenuName   *uint16
	ClassName  *uint16
	IconSm     windows.Handle
}

// Msg is user32's MSG (GetMessageW, PeekMessageW).
type Msg struct {
	HWnd    windows.HWND
	Message uint32
	WParam  uintptr
	LParam  uintptr
	Time    uint32
	Pt      struct{ X, Y int32 }
}
