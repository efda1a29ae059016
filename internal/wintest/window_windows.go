package wintest

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Event is an input message a Window received. X, Y are virtual-desktop
// coordinates (client coordinates shifted by the window's origin).
type Event struct {
	Msg          uint32 // WM_LBUTTONDOWN, WM_MOUSEWHEEL, WM_KEYDOWN ...
	X, Y         int
	WParam       uintptr
	LParam       uintptr
	WheelDelta   int  // for wheel messages, signed
	XButton      int  // for WM_XBUTTONDOWN: 1 or 2
	VK           int  // for WM_KEYDOWN and WM_SYSKEYDOWN
	Extended     bool // their lParam bit 24
	Char         rune // for WM_CHAR (one UTF-16 unit)
	ScreenCoords bool
}

// Messages that tests wait for, re-exported.
const (
	WMKeyDown     = wmKeyDown
	WMSysKeyDown  = wmSysKeyDown
	WMChar        = wmChar
	WMLButtonDown = wmLButtonDown
	WMRButtonDown = wmRButtonDown
	WMMButtonDown = wmMButtonDown
	WMXButtonDown = wmXButtonDown
	WMMouseWheel  = wmMouseWheel
	WMMouseHWheel = wmMouseHWheel
)

// Window is a borderless, top-most popup filled with one colour. Its
// message loop runs on its own locked OS thread (a window belongs to the
// thread that created it); it records the mouse and key messages it gets.
type Window struct {
	HWND          windows.HWND
	X, Y, W, H    int
	Events        chan Event
	mu            sync.Mutex
	brush         windows.Handle
	color         uint32
	done          chan struct{}
	paintedColors chan uint32
}

var (
	classOnce sync.Once
	classErr  error
	className = windows.StringToUTF16Ptr("TetherTestWindow")
	windowsMu sync.Mutex
	byHWND    = map[windows.HWND]*Window{}
	// One callback for the process: Go can only make a bounded number.
	wndProc = windows.NewCallback(windowProc)
)

func registerClass() error {
	classOnce.Do(func() {
		inst, _, _ := procGetModuleHandleW.Call(0)
		cur, _, _ := procLoadCursorW.Call(0, idcArrow)
		wc := wndClassEx{wndProc: wndProc, instance: windows.Handle(inst), cursor: windows.Handle(cur), className: className}
		wc.size = uint32(unsafe.Sizeof(wc))
		if r, _, err := procRegisterClassExW.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
			classErr = fmt.Errorf("RegisterClassEx: %w", err)
		}
	})
	return classErr
}

// RGB builds a COLORREF.
func RGB(r, g, b byte) uint32 { return uint32(r) | uint32(g)<<8 | uint32(b)<<16 }

// NewWindow shows a window at x, y (virtual-desktop pixels) of w x h filled
// with color (a COLORREF, see RGB), brings it to the foreground and
// destroys it in t's cleanup.
func NewWindow(t testing.TB, x, y, w, h int, color uint32) *Window {
	t.Helper()
	if err := registerClass(); err != nil {
		t.Fatal(err)
	}
	win := &Window{X: x, Y: y, W: w, H: h, Events: make(chan Event, 1024), done: make(chan struct{}),
		paintedColors: make(chan uint32, 16)}
	win.setBrush(color)
	created := make(chan error, 1)
	go win.loop(created)
	if err := <-created; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(win.Close)
	win.Activate(t)
	return win
}

func (w *Window) loop(created chan<- error) {
	runtime.LockOSThread() // never unlocked: the thread ends with the window
	defer close(w.done)
	inst, _, _ := procGetModuleHandleW.Call(0)
	r, _, err := procCreateWindowExW.Call(wsExTopmost|wsExToolWindow, uintptr(unsafe.Pointer(className)),
		uintptr(unsafe.Pointer(className)), wsPopup,
		uintptr(w.X), uintptr(w.Y), uintptr(w.W), uintptr(w.H), 0, 0, inst, 0)
	if r == 0 {
		created <- fmt.Errorf("CreateWindowEx: %w", err)
		return
	}
	w.HWND = windows.HWND(r)
	windowsMu.Lock()
	byHWND[w.HWND] = w
	windowsMu.Unlock()
	procShowWindow.Call(r, swShow)
	procUpdateWindow.Call(r)
	created <- nil
	var m msg
	for {
		if ret, _, _ := procGetMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0); int32(ret) <= 0 {
			break
		}
		procTranslateMessage.Call(uintptr(unsafe.Pointer(&m)))
		procDispatchMessageW.Call(uintptr(unsafe.Pointer(&m)))
	}
	windowsMu.Lock()
	delete(byHWND, w.HWND)
	windowsMu.Unlock()
	w.mu.Lock()
	procDeleteObject.Call(uintptr(w.brush))
	w.mu.Unlock()
}

func (w *Window) setBrush(color uint32) {
	b, _, _ := procCreateSolidBrush.Call(uintptr(color))
	w.mu.Lock()
	old := w.brush
	w.brush, w.color = windows.Handle(b), color
	w.mu.Unlock()
	if old != 0 {
		procDeleteObject.Call(uintptr(old))
	}
}

// SetColor repaints the window in another colour and waits until the
// window procedure has painted it.
func (w *Window) SetColor(t testing.TB, color uint32) {
	t.Helper()
	w.setBrush(color)
	procInvalidateRect.Call(uintptr(w.HWND), 0, 1)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case c := <-w.paintedColors:
			if c == color {
				return
			}
		case <-deadline:
			t.Fatalf("window not repainted in %#06x within 5s", color)
		}
	}
}

// Activate brings the window to the foreground, so it gets keyboard input.
func (w *Window) Activate(t testing.TB) {
	t.Helper()
	Foreground(t, w.HWND)
}

// Foreground makes hwnd the foreground window and waits until it is.
func Foreground(t testing.TB, hwnd windows.HWND) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		procSetForegroundWindow.Call(uintptr(hwnd))
		if fg, _, _ := procGetForegroundWindow.Call(); windows.HWND(fg) == hwnd {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("window %#x did not come to the foreground", hwnd)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Close destroys the window and waits for its thread to end. Idempotent.
func (w *Window) Close() {
	procPostMessageW.Call(uintptr(w.HWND), wmClose, 0, 0)
	<-w.done
}

// Next waits for the next event with message m, skipping others.
func (w *Window) Next(t testing.TB, m uint32) Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-w.Events:
			if ev.Msg == m {
				return ev
			}
		case <-deadline:
			t.Fatalf("no message %#x within 5s", m)
			return Event{}
		}
	}
}

// Drain drops the events received so far.
func (w *Window) Drain() {
	for {
		select {
		case <-w.Events:
		default:
			return
		}
	}
}

func windowProc(hwnd windows.HWND, m uint32, wParam, lParam uintptr) uintptr {
	windowsMu.Lock()
	w := byHWND[hwnd]
	windowsMu.Unlock()
	if w == nil {
		r, _, _ := procDefWindowProcW.Call(uintptr(hwnd), uintptr(m), wParam, lParam)
		return r
	}
	lx, ly := int(int16(lParam&0xffff)), int(int16(lParam>>16&0xffff))
	ev := Event{Msg: m, WParam: wParam, LParam: lParam}
	switch m {
	case wmPaint:
		var ps paintStruct
		hdc, _, _ := procBeginPaint.Call(uintptr(hwnd), uintptr(unsafe.Pointer(&ps)))
		w.mu.Lock()
		brush, color := w.brush, w.color
		r := rect{0, 0, int32(w.W), int32(w.H)}
		procFillRect.Call(hdc, uintptr(unsafe.Pointer(&r)), uintptr(brush))
		w.mu.Unlock()
		procEndPaint.Call(uintptr(hwnd), uintptr(unsafe.Pointer(&ps)))
		select {
		case w.paintedColors <- color:
		default:
		}
		return 0
	case wmEraseBkgnd:
		return 1 // WM_PAINT fills everything; no flicker through a blank erase
	case wmDestroy:
		procPostQuitMessage.Call(0)
		return 0
	case wmLButtonDown, wmRButtonDown, wmMButtonDown, wmXButtonDown:
		ev.X, ev.Y = w.X+lx, w.Y+ly
		ev.XButton = int(wParam >> 16 & 0xffff)
		w.record(ev)
	case wmMouseWheel, wmMouseHWheel:
		ev.X, ev.Y, ev.ScreenCoords = lx, ly, true
		ev.WheelDelta = int(int16(wParam >> 16 & 0xffff))
		w.record(ev)
	case wmKeyDown, wmSysKeyDown:
		ev.VK, ev.Extended = int(wParam), lParam&(1<<24) != 0
		w.record(ev)
	case wmChar:
		ev.Char = rune(wParam)
		w.record(ev)
	}
	r, _, _ := procDefWindowProcW.Call(uintptr(hwnd), uintptr(m), wParam, lParam)
	return r
}

func (w *Window) record(ev Event) {
	select {
	case w.Events <- ev:
	default: // a test that does not read events must not block the window
	}
}

// CursorPos returns the cursor position in virtual-desktop pixels.
func CursorPos() (x, y int) {
	var p point
	procGetCursorPos.Call(uintptr(unsafe.Pointer(&p)))
	return int(p.X), int(p.Y)
}

// KeyDown reports whether the virtual key is down (GetAsyncKeyState).
func KeyDown(vk int) bool {
	r, _, _ := procGetAsyncKeyState.Call(uintptr(vk))
	return r&0x8000 != 0
}

// VirtualScreen returns the virtual desktop's rectangle.
func VirtualScreen() (x, y, w, h int) {
	m := func(i uintptr) int { r, _, _ := procGetSystemMetrics.Call(i); return int(int32(r)) }
	return m(76), m(77), m(78), m(79)
}

// WaitCursor waits until the cursor is at x, y and reports whether it got
// there within a second. Under Wine a move is followed by the X server's
// echo of the previous pointer position now and then, which puts the
// cursor back for a millisecond or two; Windows has no such echo.
func WaitCursor(x, y int) bool {
	deadline := time.Now().Add(time.Second)
	for {
		if gx, gy := CursorPos(); gx == x && gy == y {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
}

// NextKey waits for a WM_KEYDOWN or WM_SYSKEYDOWN of virtual key vk.
func (w *Window) NextKey(t testing.TB, vk int) Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-w.Events:
			if (ev.Msg == wmKeyDown || ev.Msg == wmSysKeyDown) && ev.VK == vk {
				return ev
			}
		case <-deadline:
			t.Fatalf("no key-down of vk %#x within 5s", vk)
			return Event{}
		}
	}
}

// Wine reports whether the process runs under Wine (its ntdll exports
// wine_get_version), where some Windows features are known to be missing.
func Wine() (version string, ok bool) {
	p := windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version")
	if p.Find() != nil {
		return "", false
	}
	// wine_get_version returns a static C string; syscall returns it as a
	// uintptr, so read it through a pointer-typed copy of the word.
	r, _, _ := p.Call()
	return windows.BytePtrToString(*(**byte)(unsafe.Pointer(&r))), true
}

// ProcessCPU is the user+kernel CPU time of this process so far
// (GetProcessTimes), for benchmarks that report CPU use. Windows and Wine
// (which reads the kernel's utime/stime) both sample it at the scheduler
// tick — 15.6 ms on Windows, 4 ms on the build machine — so only read it
// over seconds: a short burst after each wake-up, an idle capture loop's
// pattern, is charged a whole tick or nothing depending on where the tick
// lands.
func ProcessCPU(tb testing.TB) time.Duration {
	var c, e, k, u windows.Filetime
	if err := windows.GetProcessTimes(windows.CurrentProcess(), &c, &e, &k, &u); err != nil {
		tb.Fatal(err)
	}
	ft := func(f windows.Filetime) time.Duration {
		return time.Duration((int64(f.HighDateTime)<<32 | int64(f.LowDateTime)) * 100)
	}
	return ft(k) + ft(u)
}
