package wintest

import "golang.org/x/sys/windows"

var (
	user32 = windows.NewLazySystemDLL("user32.dll")
	gdi32  = windows.NewLazySystemDLL("gdi32.dll")

	procRegisterClassExW         = user32.NewProc("RegisterClassExW")
	procCreateWindowExW          = user32.NewProc("CreateWindowExW")
	procDestroyWindow            = user32.NewProc("DestroyWindow")
	procDefWindowProcW           = user32.NewProc("DefWindowProcW")
	procGetMessageW              = user32.NewProc("GetMessageW")
	procTranslateMessage         = user32.NewProc("TranslateMessage")
	procDispatchMessageW         = user32.NewProc("DispatchMessageW")
	procPostMessageW             = user32.NewProc("PostMessageW")
	procSendMessageW             = user32.NewProc("SendMessageW")
	procPostQuitMessage          = user32.NewProc("PostQuitMessage")
	procShowWindow               = user32.NewProc("ShowWindow")
	procUpdateWindow             = user32.NewProc("UpdateWindow")
	procInvalidateRect           = user32.NewProc("InvalidateRect")
	procBeginPaint               = user32.NewProc("BeginPaint")
	procEndPaint                 = user32.NewProc("EndPaint")
	procFillRect                 = user32.NewProc("FillRect")
	procSetForegroundWindow      = user32.NewProc("SetForegroundWindow")
	procGetForegroundWindow      = user32.NewProc("GetForegroundWindow")
	procSetFocus                 = user32.NewProc("SetFocus")
	procFindWindowExW            = user32.NewProc("FindWindowExW")
	procGetWindowThreadProcessId = user32.NewProc("GetWindowThreadProcessId")
	procIsWindowVisible          = user32.NewProc("IsWindowVisible")
	procGetCursorPos             = user32.NewProc("GetCursorPos")
	procGetSystemMetrics         = user32.NewProc("GetSystemMetrics")
	procLoadCursorW              = user32.NewProc("LoadCursorW")
	procCreateSolidBrush         = gdi32.NewProc("CreateSolidBrush")
	procDeleteObject             = gdi32.NewProc("DeleteObject")
	procGetAsyncKeyState         = user32.NewProc("GetAsyncKeyState")
	procGetModuleHandleW         = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetModuleHandleW")
)

// Window messages and styles the helpers use.
const (
	wmDestroy         = 0x0002
	wmPaint           = 0x000F
	wmClose           = 0x0010
	wmEraseBkgnd      = 0x0014
	wmGetText         = 0x000D
	wmGetTextLength   = 0x000E
	wmSetText         = 0x000C
	wmCopy            = 0x0301
	wmPaste           = 0x0302
	emSetSel          = 0x00B1
	emSetLimitText    = 0x00C5
	wmKeyDown         = 0x0100
	wmChar            = 0x0102
	wmSysKeyDown      = 0x0104
	wmMouseMove       = 0x0200
	wmLButtonDown     = 0x0201
	wmRButtonDown     = 0x0204
	wmMButtonDown     = 0x0207
	wmMouseWheel      = 0x020A
	wmXButtonDown     = 0x020B
	wmMouseHWheel     = 0x020E
	wmUser            = 0x0400
	wsPopup           = 0x80000000
	wsVisible         = 0x10000000
	wsExTopmost       = 0x00000008
	wsExToolWindow    = 0x00000080
	swShow            = 5
	idcArrow          = 32512
	smCXVirtualScreen = 78
)

type point struct{ X, Y int32 }

type rect struct{ Left, Top, Right, Bottom int32 }

type msg struct {
	hwnd    windows.HWND
	message uint32
	wParam  uintptr
	lParam  uintptr
	time    uint32
	pt      point
	private uint32
}

type wndClassEx struct {
	size       uint32
	style      uint32
	wndProc    uintptr
	clsExtra   int32
	wndExtra   int32
	instance   windows.Handle
	icon       windows.Handle
	cursor     windows.Handle
	background windows.Handle
	menuName   *uint16
	className  *uint16
	iconSm     windows.Handle
}

type paintStruct struct {
	hdc        windows.Handle
	erase      int32
	paint      rect
	restore    int32
	incUpdate  int32
	rgbReserve [32]byte
}
