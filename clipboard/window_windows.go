package clipboard

import (
	"fmt"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The clipboard's message-only window: one class for the process, and a
// table from window to client for the window procedure.

var (
	classOnce sync.Once
	classErr  error
	className = windows.StringToUTF16Ptr("TetherClipboard")

	clientsMu sync.Mutex
	clients   = map[windows.HWND]*winClip{}
)

func registerClass() error {
	classOnce.Do(func() {
		inst, _, _ := procGetModuleHandleW.Call(0)
		wc := wndClassEx{WndProc: windows.NewCallback(wndProc), Instance: windows.Handle(inst), ClassName: className}
		wc.Size = uint32(unsafe.Sizeof(wc))
		if r, _, err := procRegisterClassExW.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
			classErr = fmt.Errorf("clipboard: RegisterClassEx: %w", err)
		}
	})
	return classErr
}

// newWindow creates c's window on the calling thread.
func newWindow(c *winClip) (windows.HWND, error) {
	if err := registerClass(); err != nil {
		return 0, err
	}
	inst, _, _ := procGetModuleHandleW.Call(0)
	r, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(className)), 0, 0, 0, 0, 0, 0,
		hwndMessage, 0, inst, 0)
	if r == 0 {
		return 0, fmt.Errorf("clipboard: CreateWindowEx: %w", err)
	}
	hwnd := windows.HWND(r)
	clientsMu.Lock()
	clients[hwnd] = c
	clientsMu.Unlock()
	return hwnd, nil
}

func wndProc(hwnd windows.HWND, m uint32, wParam, lParam uintptr) uintptr {
	clientsMu.Lock()
	c := clients[hwnd]
	clientsMu.Unlock()
	switch m {
	case wmApp:
		if c != nil {
			c.runQueue()
		}
		return 0
	case wmClipboardUpdate:
		if c != nil {
			c.changes.Notify()
		}
		return 0
	case wmClose:
		procDestroyWindow.Call(uintptr(hwnd))
		return 0
	case wmDestroy:
		procRemoveClipboardFormatListener.Call(uintptr(hwnd))
		clientsMu.Lock()
		delete(clients, hwnd)
		clientsMu.Unlock()
		procPostQuitMessage.Call(0)
		return 0
	}
	r, _, _ := procDefWindowProcW.Call(uintptr(hwnd), uintptr(m), wParam, lParam)
	return r
}
