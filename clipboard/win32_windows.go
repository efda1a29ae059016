package clipboard

import (
	"github.com/tetherhq/tether/internal/winapi"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The user32 and kernel32 calls of the Windows clipboard.

var (
	user32                            = windows.NewLazySystemDLL("user32.dll")
	kernel32                          = windows.NewLazySystemDLL("kernel32.dll")
	procOpenClipboard                 = user32.NewProc("OpenClipboard")
	procCloseClipboard                = user32.NewProc("CloseClipboard")
	procEmptyClipboard                = user32.NewProc("EmptyClipboard")
	procGetClipboardData              = user32.NewProc("GetClipboardData")
	procSetClipboardData              = user32.NewProc("SetClipboardData")
	procGetClipboardOwner             = user32.NewProc("GetClipboardOwner")
	procGetClipboardSequenceNumber    = user32.NewProc("GetClipboardSequenceNumber")
	procIsClipboardFormatAvailable    = user32.NewProc("IsClipboardFormatAvailable")
	procAddClipboardFormatListener    = user32.NewProc("AddClipboardFormatListener")
	procRemoveClipboardFormatListener = user32.NewProc("RemoveClipboardFormatListener")
	procRegisterClassExW              = user32.NewProc("RegisterClassExW")
	procCreateWindowExW               = user32.NewProc("CreateWindowExW")
	procDestroyWindow                 = user32.NewProc("DestroyWindow")
	procDefWindowProcW                = user32.NewProc("DefWindowProcW")
	procGetMessageW                   = user32.NewProc("GetMessageW")
	procPeekMessageW                  = user32.NewProc("PeekMessageW")
	procDispatchMessageW              = user32.NewProc("DispatchMessageW")
	procPostMessageW                  = user32.NewProc("PostMessageW")
	procPostQuitMessage               = user32.NewProc("PostQuitMessage")
	procGetModuleHandleW              = kernel32.NewProc("GetModuleHandleW")
	procGlobalAlloc                   = kernel32.NewProc("GlobalAlloc")
	procGlobalFree                    = kernel32.NewProc("GlobalFree")
	procGlobalLock                    = kernel32.NewProc("GlobalLock")
	procGlobalUnlock                  = kernel32.NewProc("GlobalUnlock")
	procGlobalSize                    = kernel32.NewProc("GlobalSize")
)

const (
	cfUnicodeText     = 13
	gmemMoveable      = 0x0002
	hwndMessage       = ^uintptr(2) // HWND_MESSAGE (-3): a message-only window
	pmNoRemove        = 0
	wmDestroy         = 0x0002
	wmClose           = 0x0010
	wmClipboardUpdate = 0x031D
	wmApp             = 0x8000
)

type wndClassEx = winapi.WndClassEx

type msg = winapi.Msg

// ptr16 turns GlobalLock's address of locked, movable memory (not Go
// memory, so the collector neither moves nor frees it) into a pointer.
func ptr16(p uintptr) *uint16 {
	return *(**uint16)(unsafe.Pointer(&p))
}
