package input

import (
	"errors"
	"github.com/tetherhq/tether/internal/xvfbtest"
	"io"
	"log"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

func init() {
	// xgb logs every connection without an Xauthority file; Xvfb needs none.
	xgb.Logger = log.New(io.Discard, "", 0)
}

func requireBinary(t testing.TB, name string) string {
	t.Helper()
	return xvfbtest.RequireBinary(t, name)
}

// startXvfb starts a private 1280x720 Xvfb and returns its display name.
func startXvfb(t testing.TB) string {
	t.Helper()
	return xvfbtest.Start(t, 1280, 720).Display
}

// launchXvfb starts a server that outlives one test (benchmarks share it).
func launchXvfb(bin string) (display string, stop func(), err error) {
	s, err := xvfbtest.Launch(bin, 1280, 720)
	if err != nil {
		return "", nil, err
	}
	return s.Display, s.Stop, nil
}

// testWindow is a full-screen window on its own connection that records
// the input events the injector causes.
type testWindow struct {
	conn   *xgb.Conn
	win    xproto.Window
	events chan xgb.Event
}

const testEventMask = xproto.EventMaskKeyPress | xproto.EventMaskKeyRelease |
	xproto.EventMaskButtonPress | xproto.EventMaskButtonRelease |
	xproto.EventMaskPointerMotion | xproto.EventMaskStructureNotify

func newTestWindow(t testing.TB, display string) *testWindow {
	t.Helper()
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatalf("connect %s: %v", display, err)
	}
	t.Cleanup(conn.Close)
	screen := xproto.Setup(conn).DefaultScreen(conn)
	wid, err := xproto.NewWindowId(conn)
	if err != nil {
		t.Fatal(err)
	}
	err = xproto.CreateWindowChecked(conn, screen.RootDepth, wid, screen.Root, 0, 0, 1280, 720, 0,
		xproto.WindowClassInputOutput, screen.RootVisual,
		xproto.CwBackPixel|xproto.CwEventMask, []uint32{screen.WhitePixel, testEventMask}).Check()
	if err != nil {
		t.Fatalf("CreateWindow: %v", err)
	}
	w := &testWindow{conn: conn, win: wid, events: make(chan xgb.Event, 4096)}
	go func() {
		for {
			ev, xerr := conn.WaitForEvent()
			if ev == nil && xerr == nil {
				close(w.events)
				return
			}
			if ev != nil {
				w.events <- ev
			}
		}
	}()
	if err := xproto.MapWindowChecked(conn, wid).Check(); err != nil {
		t.Fatalf("MapWindow: %v", err)
	}
	w.next(t, "MapNotify", func(ev xgb.Event) bool { _, ok := ev.(xproto.MapNotifyEvent); return ok })
	if err := xproto.SetInputFocusChecked(conn, xproto.InputFocusPointerRoot, wid, xproto.TimeCurrentTime).Check(); err != nil {
		t.Fatalf("SetInputFocus: %v", err)
	}
	return w
}

// next returns the first event matching keep, skipping others.
func (w *testWindow) next(t testing.TB, what string, keep func(xgb.Event) bool) xgb.Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-w.events:
			if !ok {
				t.Fatalf("connection closed while waiting for %s", what)
			}
			if keep(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// keyEvent is a KeyPress or KeyRelease reduced to what the tests check.
type keyEvent struct {
	press bool
	kc    byte
	state uint16
}

func (w *testWindow) nextKey(t testing.TB) keyEvent {
	t.Helper()
	ev := w.next(t, "key event", func(ev xgb.Event) bool {
		switch ev.(type) {
		case xproto.KeyPressEvent, xproto.KeyReleaseEvent:
			return true
		}
		return false
	})
	if p, ok := ev.(xproto.KeyPressEvent); ok {
		return keyEvent{true, byte(p.Detail), p.State}
	}
	r := ev.(xproto.KeyReleaseEvent)
	return keyEvent{false, byte(r.Detail), r.State}
}

// keymap fetches the server's current mapping as a client would.
func (w *testWindow) keymap(t testing.TB) *xKeymap {
	t.Helper()
	setup := xproto.Setup(w.conn)
	km := &xKeymap{min: byte(setup.MinKeycode), max: byte(setup.MaxKeycode)}
	if err := km.fetch(w.conn); err != nil {
		t.Fatal(err)
	}
	km.buildRev()
	return km
}

// lookup translates a key event the way Xlib does for group 1: Shift
// selects level 1, and Lock inverts that for keys that type a cased letter.
func (km *xKeymap) lookup(kc byte, state uint16) uint32 {
	level := state&xproto.ModMaskShift != 0
	if r, ok := keysymRune(km.row(kc)[0]); ok && cased(r) && state&xproto.ModMaskLock != 0 {
		level = !level
	}
	if level {
		return km.level1(kc)
	}
	return km.row(kc)[0]
}

// openTestInjector opens the xtest backend on display and closes it with
// the test.
func openTestInjector(t testing.TB, display string) *xtestInjector {
	t.Helper()
	inj, err := Open(WithX11Display(display), WithBackend(BackendXTest))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := inj.Close(); err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Close: %v", err)
		}
	})
	return inj.(*xtestInjector)
}
