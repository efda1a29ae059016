package ui

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/windows"
)

// winWindow is the Windows customer window: real Win32 controls (STATIC,
// BUTTON, EDIT) in a top-most window, so screen readers, the system font,
// DPI scaling and keyboard navigation work as customers expect. All of
// its fields below mu are owned by the UI thread, a goroutine locked to
// one OS thread that runs the message loop.
type winWindow struct {
	*model
	hwnd     windows.HWND
	ready    chan error
	loopDone chan struct{}
	pending  atomic.Bool // an update message is queued
	closing  sync.Once
	calls    chan func() // for onUI

	// UI thread only.
	ctl          map[ctlID]windows.HWND
	texts        map[ctlID]string
	dpi          uint32
	fonts        winFonts
	brushes      map[uint32]windows.Handle
	snap         snapshot
	promptID     uint64
	promptKind   promptKind
	chatShown    int
	seen         int
	active       bool
	flashed      int            // unread count the taskbar last flashed for
	timerOn      bool           // the countdown timer runs
	rects        map[ctlID]rect // where each control was put
	moved        bool           // a control moved since the last repaint
	paintedPhase Phase
	cardRect     rect
	promptRect   rect
	dot          rect
}

// ctlID is a control's id (its HMENU); above IDOK/IDCANCEL on purpose.
type ctlID int

const (
	ctlState ctlID = 100 + iota
	ctlDetail
	ctlPause
	ctlStop
	ctlEnd
	ctlNote
	ctlPrompt
	ctlCode
	ctlDeny
	ctlAllow
	ctlChatLabel
	ctlChatLog
	ctlChatInput
	ctlSend
)

const windowClass = "TetherCustomerWindow"

var (
	classOnce sync.Once
	classErr  error
	wndProcCB uintptr

	windowsMu sync.Mutex
	byHWND    = map[windows.HWND]*winWindow{}
)

func open(ctx context.Context, o Options) (Window, error) {
	w := &winWindow{model: newModel(o), ready: make(chan error, 1), loopDone: make(chan struct{}),
		calls: make(chan func(), 1)}
	go w.run()
	if err := <-w.ready; err != nil {
		w.model.shutdown(false)
		return nil, err
	}
	w.model.changed = w.poke
	go func() {
		select {
		case <-ctx.Done():
			w.Close()
		case <-w.loopDone:
		}
	}()
	return w, nil
}

// run is the UI thread: set up, create the window, pump messages.
func (w *winWindow) run() {
	// Windows delivers a window's messages to the thread that created it.
	runtime.LockOSThread()
	// Never unlocked: the thread carries the activation context and DPI
	// awareness set below, and dies with this goroutine.
	defer close(w.loopDone)
	setupThread()
	if err := w.create(); err != nil {
		w.ready <- err
		return
	}
	w.ready <- nil
	var m msg
	for {
		r := call(procGetMessageW, uintptr(unsafe.Pointer(&m)), 0, 0, 0)
		if r == 0 || int32(r) == -1 {
			break
		}
		// IsDialogMessage gives the window dialog keys: Tab between
		// controls, Enter as IDOK, Escape as IDCANCEL.
		if call(procIsDialogMessageW, uintptr(w.hwnd), uintptr(unsafe.Pointer(&m))) != 0 {
			continue
		}
		call(procTranslateMessage, uintptr(unsafe.Pointer(&m)))
		call(procDispatchMessageW, uintptr(unsafe.Pointer(&m)))
	}
	w.freeGDI()
}

// setupThread makes this thread per-monitor DPI aware and turns on visual
// styles (common controls 6) without needing a manifest in the exe.
func setupThread() {
	// Thread awareness (Windows 10 1607+) first: it changes nothing for
	// the rest of the agent (screen capture and input have their own
	// view of coordinates). Older systems only have the process-wide
	// settings; each fails harmlessly when awareness is already set.
	const perMonitorV2, perMonitor = ^uintptr(3), ^uintptr(2) // -4, -3
	if procSetThreadDpiAwarenessContext.Find() == nil {
		if call(procSetThreadDpiAwarenessContext, perMonitorV2) == 0 {
			call(procSetThreadDpiAwarenessContext, perMonitor)
		}
	} else if procSetProcessDpiAwarenessContext.Find() == nil {
		if call(procSetProcessDpiAwarenessContext, perMonitorV2) == 0 {
			call(procSetProcessDpiAwarenessContext, perMonitor)
		}
	} else if procSetProcessDpiAwareness.Find() == nil {
		call(procSetProcessDpiAwareness, 2) // PROCESS_PER_MONITOR_DPI_AWARE
	} else if procSetProcessDPIAware.Find() == nil {
		call(procSetProcessDPIAware)
	}
	// Windows' own trick for manifest-less programs: shell32.dll carries
	// a manifest (resource 124) that asks for common controls 6.
	if dir, err := windows.GetSystemDirectory(); err == nil && procCreateActCtxW.Find() == nil {
		ac := actCtx{Flags: actctxFlagResourceName | actctxFlagAssemblyDir,
			Source: utf16Ptr("shell32.dll"), AssemblyDirectory: utf16Ptr(dir), ResourceName: 124}
		ac.Size = uint32(unsafe.Sizeof(ac))
		if h, _, _ := procCreateActCtxW.Call(uintptr(unsafe.Pointer(&ac))); h != 0 && h != ^uintptr(0) {
			var cookie uintptr
			call(procActivateActCtx, h, uintptr(unsafe.Pointer(&cookie)))
		}
	}
	if procInitCommonControlsEx.Find() == nil {
		icc := initCommonControlsEx{ICC: iccStandardClasses}
		icc.Size = uint32(unsafe.Sizeof(icc))
		call(procInitCommonControlsEx, uintptr(unsafe.Pointer(&icc)))
	}
}

func registerClass() error {
	classOnce.Do(func() {
		wndProcCB = windows.NewCallback(wndProc)
		inst := call(procGetModuleHandle, 0)
		wc := wndClassEx{
			WndProc:    wndProcCB,
			Instance:   windows.Handle(inst),
			Cursor:     windows.Handle(call(procLoadCursorW, 0, idcArrow)),
			Icon:       windows.Handle(call(procLoadIconW, 0, idiApplication)),
			Background: windows.Handle(call(procCreateSolidBrush, colorRef(hexBg))),
			ClassName:  utf16Ptr(windowClass),
		}
		// An icon linked into the exe (resource 1, see the docs) wins.
		if ic := call(procLoadIconW, inst, 1); ic != 0 {
			wc.Icon = windows.Handle(ic)
		}
		wc.Size = uint32(unsafe.Sizeof(wc))
		if r, _, err := procRegisterClassExW.Call(uintptr(unsafe.Pointer(&wc))); r == 0 {
			classErr = fmt.Errorf("ui: RegisterClassEx: %w", err)
		}
	})
	return classErr
}

// create makes the window hidden, sizes it for its monitor's DPI, adds
// the controls and shows it in the bottom-right corner of the work area.
func (w *winWindow) create() error {
	if err := registerClass(); err != nil {
		return err
	}
	style := uintptr(wsOverlapped | wsCaption | wsSysMenu | wsMinimizeBox | wsClipChildren)
	ex := uintptr(wsExTopmost | wsExControlParent | wsExAppWindow)
	h, _, err := procCreateWindowExW.Call(ex, uintptr(unsafe.Pointer(utf16Ptr(windowClass))),
		uintptr(unsafe.Pointer(utf16Ptr(w.model.title))), style, 0, 0, 100, 100, 0, 0, call(procGetModuleHandle, 0), 0)
	if h == 0 {
		return fmt.Errorf("ui: CreateWindowEx: %w", err)
	}
	w.hwnd = windows.HWND(h)
	w.ctl, w.texts, w.brushes = map[ctlID]windows.HWND{}, map[ctlID]string{}, map[uint32]windows.Handle{}
	w.rects, w.paintedPhase = map[ctlID]rect{}, -1
	windowsMu.Lock()
	byHWND[w.hwnd] = w
	windowsMu.Unlock()
	w.dpi = w.windowDPI()
	w.fonts.make(w.dpi)
	if err := w.createControls(); err != nil {
		call(procDestroyWindow, h)
		return err
	}
	w.placeWindow()
	w.apply()
	call(procShowWindow, h, swShowNormal)
	call(procUpdateWindow, h)
	call(procSetForegroundWindow, h)
	return nil
}

func (w *winWindow) windowDPI() uint32 {
	if procGetDpiForWindow.Find() == nil {
		if d := call(procGetDpiForWindow, uintptr(w.hwnd)); d != 0 {
			return uint32(d)
		}
	}
	dc := call(procGetDC, uintptr(w.hwnd))
	defer call(procReleaseDC, uintptr(w.hwnd), dc)
	if d := call(procGetDeviceCaps, dc, logPixelsY); d != 0 {
		return uint32(d)
	}
	return 96
}

// scale converts logical (96 DPI) pixels to the window's device pixels.
func (w *winWindow) scale(v int) int32 { return int32((v*int(w.dpi) + 48) / 96) }

// placeWindow sizes the frame around a winW×winH client area and puts it
// in the bottom-right corner of the work area.
func (w *winWindow) placeWindow() {
	r := rect{0, 0, w.scale(winW), w.scale(winH)}
	style := uintptr(wsOverlapped | wsCaption | wsSysMenu | wsMinimizeBox)
	if procAdjustWindowRectExForDpi.Find() == nil {
		call(procAdjustWindowRectExForDpi, uintptr(unsafe.Pointer(&r)), style, 0, wsExTopmost, uintptr(w.dpi))
	} else {
		call(procAdjustWindowRectEx, uintptr(unsafe.Pointer(&r)), style, 0, wsExTopmost)
	}
	var wa rect
	call(procSystemParametersInfoW, spiGetWorkArea, 0, uintptr(unsafe.Pointer(&wa)), 0)
	ww, wh := r.Right-r.Left, r.Bottom-r.Top
	m := w.scale(24)
	x, y := max(wa.Left, wa.Right-ww-m), max(wa.Top, wa.Bottom-wh-m)
	call(procSetWindowPos, uintptr(w.hwnd), 0, uintptr(x), uintptr(y), uintptr(ww), uintptr(wh), swpNoZOrder|swpNoActivate)
}

// poke asks the UI thread to apply the model; one message is enough for
// any number of changes.
func (w *winWindow) poke() {
	if !w.pending.Swap(true) {
		postMessage(w.hwnd, wmAppUpdate, 0, 0)
	}
}

// Close implements Window.
func (w *winWindow) Close() error {
	w.closing.Do(func() { postMessage(w.hwnd, wmAppClose, 0, 0) })
	<-w.loopDone
	w.model.shutdown(false)
	return nil
}

// onUI runs f on the UI thread and waits (tests read controls with it);
// false when the window is gone.
func (w *winWindow) onUI(f func()) bool {
	done := make(chan struct{})
	select {
	case w.calls <- func() { f(); close(done) }:
	case <-w.loopDone:
		return false
	}
	if !postMessage(w.hwnd, wmAppCall, 0, 0) {
		return false
	}
	select {
	case <-done:
		return true
	case <-w.loopDone:
		return false
	}
}

func wndProc(hwnd windows.HWND, m uint32, wp, lp uintptr) uintptr {
	windowsMu.Lock()
	w := byHWND[hwnd]
	windowsMu.Unlock()
	if w != nil {
		if r, ok := w.handle(m, wp, lp); ok {
			return r
		}
	}
	return call(procDefWindowProcW, uintptr(hwnd), uintptr(m), wp, lp)
}

// handle is the window procedure; ok=false leaves m to DefWindowProc.
func (w *winWindow) handle(m uint32, wp, lp uintptr) (uintptr, bool) {
	switch m {
	case wmAppUpdate:
		w.pending.Store(false)
		w.apply()
		return 0, true
	case wmAppCall:
		select {
		case f := <-w.calls:
			f()
		default:
		}
		return 0, true
	case wmAppClose:
		call(procDestroyWindow, uintptr(w.hwnd))
		return 0, true
	case wmClose:
		// The customer closed the window: the app quits, the session
		// stays (SPEC A7).
		w.model.closedByCustomer()
		call(procDestroyWindow, uintptr(w.hwnd))
		return 0, true
	case wmDestroy:
		windowsMu.Lock()
		delete(byHWND, w.hwnd)
		windowsMu.Unlock()
		call(procPostQuitMessage, 0)
		return 0, true
	case wmCommand:
		w.command(ctlID(wp&0xffff), uint32(wp>>16&0xffff))
		return 0, true
	case wmActivate:
		w.active = wp&0xffff != waInactive
		w.apply()
		return 0, false
	case wmTimer:
		w.apply()
		return 0, true
	case wmPaint:
		w.paint()
		return 0, true
	case wmCtlColorStatic: // read-only edits too; editable ones keep the system colours
		return w.ctlColor(windows.Handle(wp), windows.HWND(lp)), true
	case wmDpiChanged:
		w.dpi = uint32(wp & 0xffff)
		w.fonts.free()
		w.fonts.make(w.dpi)
		for id, h := range w.ctl {
			sendMessage(h, wmSetFont, uintptr(w.fonts.forCtl(id)), 1)
		}
		// lParam points to the suggested window rectangle (memory Windows
		// owns, so reading it through the uintptr's storage is safe).
		r := *(**rect)(unsafe.Pointer(&lp))
		call(procSetWindowPos, uintptr(w.hwnd), 0, uintptr(r.Left), uintptr(r.Top),
			uintptr(r.Right-r.Left), uintptr(r.Bottom-r.Top), swpNoZOrder|swpNoActivate)
		clear(w.rects)
		w.apply()
		return 0, true
	}
	return 0, false
}
