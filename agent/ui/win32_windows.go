package ui

import (
	"github.com/tetherhq/tether/internal/winapi"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The Win32 calls the window needs, as lazy procs: golang.org/x/sys/windows
// has almost no user32/gdi32, and lazy procs let a missing newer function
// (the DPI ones) be detected with Find instead of failing to start.

var (
	user32   = windows.NewLazySystemDLL("user32.dll")
	gdi32    = windows.NewLazySystemDLL("gdi32.dll")
	comctl32 = windows.NewLazySystemDLL("comctl32.dll")
	kernel32 = windows.NewLazySystemDLL("kernel32.dll")
	shcore   = windows.NewLazySystemDLL("shcore.dll")

	procRegisterClassExW              = user32.NewProc("RegisterClassExW")
	procCreateWindowExW               = user32.NewProc("CreateWindowExW")
	procDefWindowProcW                = user32.NewProc("DefWindowProcW")
	procDestroyWindow                 = user32.NewProc("DestroyWindow")
	procShowWindow                    = user32.NewProc("ShowWindow")
	procUpdateWindow                  = user32.NewProc("UpdateWindow")
	procGetMessageW                   = user32.NewProc("GetMessageW")
	procIsDialogMessageW              = user32.NewProc("IsDialogMessageW")
	procTranslateMessage              = user32.NewProc("TranslateMessage")
	procDispatchMessageW              = user32.NewProc("DispatchMessageW")
	procPostMessageW                  = user32.NewProc("PostMessageW")
	procSendMessageW                  = user32.NewProc("SendMessageW")
	procPostQuitMessage               = user32.NewProc("PostQuitMessage")
	procSetWindowTextW                = user32.NewProc("SetWindowTextW")
	procGetWindowTextW                = user32.NewProc("GetWindowTextW")
	procGetWindowTextLengthW          = user32.NewProc("GetWindowTextLengthW")
	procSetWindowPos                  = user32.NewProc("SetWindowPos")
	procRedrawWindow                  = user32.NewProc("RedrawWindow")
	procEnableWindow                  = user32.NewProc("EnableWindow")
	procIsWindowEnabled               = user32.NewProc("IsWindowEnabled")
	procIsWindowVisible               = user32.NewProc("IsWindowVisible")
	procGetFocus                      = user32.NewProc("GetFocus")
	procSetFocus                      = user32.NewProc("SetFocus")
	procGetForegroundWindow           = user32.NewProc("GetForegroundWindow")
	procSetForegroundWindow           = user32.NewProc("SetForegroundWindow")
	procGetWindowRect                 = user32.NewProc("GetWindowRect")
	procGetClientRect                 = user32.NewProc("GetClientRect")
	procClientToScreen                = user32.NewProc("ClientToScreen")
	procInvalidateRect                = user32.NewProc("InvalidateRect")
	procBeginPaint                    = user32.NewProc("BeginPaint")
	procEndPaint                      = user32.NewProc("EndPaint")
	procFillRect                      = user32.NewProc("FillRect")
	procGetDC                         = user32.NewProc("GetDC")
	procReleaseDC                     = user32.NewProc("ReleaseDC")
	procDrawTextW                     = user32.NewProc("DrawTextW")
	procLoadCursorW                   = user32.NewProc("LoadCursorW")
	procLoadIconW                     = user32.NewProc("LoadIconW")
	procSetTimer                      = user32.NewProc("SetTimer")
	procKillTimer                     = user32.NewProc("KillTimer")
	procFlashWindowEx                 = user32.NewProc("FlashWindowEx")
	procSystemParametersInfoW         = user32.NewProc("SystemParametersInfoW")
	procSystemParametersInfoForDpi    = user32.NewProc("SystemParametersInfoForDpi")
	procAdjustWindowRectEx            = user32.NewProc("AdjustWindowRectEx")
	procAdjustWindowRectExForDpi      = user32.NewProc("AdjustWindowRectExForDpi")
	procGetDpiForWindow               = user32.NewProc("GetDpiForWindow")
	procSetThreadDpiAwarenessContext  = user32.NewProc("SetThreadDpiAwarenessContext")
	procSetProcessDpiAwarenessContext = user32.NewProc("SetProcessDpiAwarenessContext")
	procSetProcessDPIAware            = user32.NewProc("SetProcessDPIAware")
	procSetProcessDpiAwareness        = shcore.NewProc("SetProcessDpiAwareness")
	procGetScrollInfo                 = user32.NewProc("GetScrollInfo")
	procGetConsoleWindow              = kernel32.NewProc("GetConsoleWindow")
	procGetConsoleProcessList         = kernel32.NewProc("GetConsoleProcessList")

	procCreateFontIndirectW = gdi32.NewProc("CreateFontIndirectW")
	procDeleteObject        = gdi32.NewProc("DeleteObject")
	procSelectObject        = gdi32.NewProc("SelectObject")
	procCreateSolidBrush    = gdi32.NewProc("CreateSolidBrush")
	procCreatePen           = gdi32.NewProc("CreatePen")
	procGetStockObject      = gdi32.NewProc("GetStockObject")
	procSetTextColor        = gdi32.NewProc("SetTextColor")
	procSetBkColor          = gdi32.NewProc("SetBkColor")
	procSetBkMode           = gdi32.NewProc("SetBkMode")
	procEllipse             = gdi32.NewProc("Ellipse")
	procRoundRect           = gdi32.NewProc("RoundRect")
	procGetDeviceCaps       = gdi32.NewProc("GetDeviceCaps")

	procInitCommonControlsEx = comctl32.NewProc("InitCommonControlsEx")

	procCreateActCtxW   = kernel32.NewProc("CreateActCtxW")
	procActivateActCtx  = kernel32.NewProc("ActivateActCtx")
	procGetModuleHandle = kernel32.NewProc("GetModuleHandleW")
)

const (
	wmDestroy         = 0x0002
	wmSize            = 0x0005
	wmActivate        = 0x0006
	wmSetText         = 0x000C
	wmGetText         = 0x000D
	wmGetTextLength   = 0x000E
	wmPaint           = 0x000F
	wmClose           = 0x0010
	wmEraseBkgnd      = 0x0014
	wmSetFont         = 0x0030
	wmCommand         = 0x0111
	wmTimer           = 0x0113
	wmCtlColorStatic  = 0x0138
	wmDpiChanged      = 0x02E0
	wmApp             = 0x8000
	wmAppUpdate       = wmApp + 1
	wmAppClose        = wmApp + 2
	wmAppCall         = wmApp + 3
	bmClick           = 0x00F5
	emSetSel          = 0x00B1
	emScrollCaret     = 0x00B7
	emGetFirstVisible = 0x00CE
	emLineScroll      = 0x00B6
	emReplaceSel      = 0x00C2
	emLimitText       = 0x00C5
	emSetCueBanner    = 0x1501
	enChange          = 0x0300
	bnClicked         = 0
	idOK              = 1
	idCancel          = 2

	wsOverlapped      = 0x00000000
	wsCaption         = 0x00C00000
	wsSysMenu         = 0x00080000
	wsMinimizeBox     = 0x00020000
	wsChild           = 0x40000000
	wsVisible         = 0x10000000
	wsTabStop         = 0x00010000
	wsVScroll         = 0x00200000
	wsClipChildren    = 0x02000000
	wsExTopmost       = 0x00000008
	wsExClientEdge    = 0x00000200
	wsExControlParent = 0x00010000
	wsExAppWindow     = 0x00040000

	ssLeft        = 0x0000
	ssNoPrefix    = 0x0080
	bsPushButton  = 0x0000
	esAutoHScroll = 0x0080
	esMultiline   = 0x0004
	esReadOnly    = 0x0800
	esAutoVScroll = 0x0040

	swHide        = 0
	swShow        = 5
	swShowNormal  = 1
	swpNoZOrder   = 0x0004
	swpNoActivate = 0x0010
	swpNoCopyBits = 0x0100

	rdwInvalidate  = 0x0001
	rdwErase       = 0x0004
	rdwAllChildren = 0x0080

	spiGetWorkArea          = 0x0030
	spiGetNonClientMetrics  = 0x0029
	logPixelsY              = 90
	dtCalcRect              = 0x0400
	dtWordBreak             = 0x0010
	dtNoPrefix              = 0x0800
	transparent             = 1
	nullPen                 = 8
	sbVert                  = 1
	sifAll                  = 0x17
	flashwTray              = 0x2
	flashwTimerNoFG         = 0xC
	waInactive              = 0
	iccStandardClasses      = 0x00004000
	actctxFlagResourceName  = 0x008
	actctxFlagSetProcessDef = 0x010
	actctxFlagAssemblyDir   = 0x004
	idcArrow                = 32512
	idiApplication          = 32512
	colorWindow             = 5
)

type wndClassEx = winapi.WndClassEx

type rect struct{ Left, Top, Right, Bottom int32 }

type msg = winapi.Msg

type paintStruct struct {
	Hdc       windows.Handle
	Erase     int32
	Paint     rect
	Restore   int32
	IncUpdate int32
	Reserved  [32]byte
}

type logFont struct {
	Height         int32
	Width          int32
	Escapement     int32
	Orientation    int32
	Weight         int32
	Italic         byte
	Underline      byte
	StrikeOut      byte
	CharSet        byte
	OutPrecision   byte
	ClipPrecision  byte
	Quality        byte
	PitchAndFamily byte
	FaceName       [32]uint16
}

type nonClientMetrics struct {
	Size            uint32
	BorderWidth     int32
	ScrollWidth     int32
	ScrollHeight    int32
	CaptionWidth    int32
	CaptionHeight   int32
	CaptionFont     logFont
	SmCaptionWidth  int32
	SmCaptionHeight int32
	SmCaptionFont   logFont
	MenuWidth       int32
	MenuHeight      int32
	MenuFont        logFont
	StatusFont      logFont
	MessageFont     logFont
	PaddedBorder    int32
}

type flashWInfo struct {
	Size    uint32
	Hwnd    windows.HWND
	Flags   uint32
	Count   uint32
	Timeout uint32
}

type scrollInfo struct {
	Size     uint32
	Mask     uint32
	Min, Max int32
	Page     uint32
	Pos      int32
	TrackPos int32
}

type initCommonControlsEx struct {
	Size uint32
	ICC  uint32
}

type actCtx struct {
	Size                  uint32
	Flags                 uint32
	Source                *uint16
	ProcessorArchitecture uint16
	LangID                uint16
	AssemblyDirectory     *uint16
	ResourceName          uintptr
	ApplicationName       *uint16
	Module                windows.Handle
}

// call invokes a proc that exists on every supported Windows.
func call(p *windows.LazyProc, args ...uintptr) uintptr {
	r, _, _ := p.Call(args...)
	return r
}

func sendMessage(h windows.HWND, m uint32, w, l uintptr) uintptr {
	return call(procSendMessageW, uintptr(h), uintptr(m), w, l)
}

func postMessage(h windows.HWND, m uint32, w, l uintptr) bool {
	return call(procPostMessageW, uintptr(h), uintptr(m), w, l) != 0
}

func utf16Ptr(s string) *uint16 {
	p, err := windows.UTF16PtrFromString(s)
	if err != nil { // s has a NUL: show what comes before it
		p, _ = windows.UTF16PtrFromString(s[:indexNUL(s)])
	}
	return p
}

func indexNUL(s string) int {
	for i := range len(s) {
		if s[i] == 0 {
			return i
		}
	}
	return len(s)
}

func setText(h windows.HWND, s string) {
	call(procSetWindowTextW, uintptr(h), uintptr(unsafe.Pointer(utf16Ptr(s))))
}

func getText(h windows.HWND) string {
	n := call(procGetWindowTextLengthW, uintptr(h))
	buf := make([]uint16, n+1)
	call(procGetWindowTextW, uintptr(h), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	return windows.UTF16ToString(buf)
}

// colorRef is a GDI COLORREF (0x00BBGGRR) from 0xRRGGBB.
func colorRef(rgb uint32) uintptr {
	return uintptr((rgb&0xff)<<16 | rgb&0xff00 | (rgb>>16)&0xff)
}
