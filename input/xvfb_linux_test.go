package input

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

func init() {
	// xgb logs every connection without an Xauthority file; Xvfb needs none.
	xgb.Logger = log.New(io.Discard, "", 0)
}

// requireBinary skips the test when a helper program is missing, unless
// TETHER_REQUIRE_X=1 asks CI to treat that as a failure.
func requireBinary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("TETHER_REQUIRE_X") == "1" {
			t.Fatalf("%s not found and TETHER_REQUIRE_X=1: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

// startXvfb starts a private Xvfb and returns its display name. Xvfb picks
// a free display number itself (-displayfd), so parallel test runs and
// other developers' servers never collide. The server dies with the test.
func startXvfb(t testing.TB) string {
	t.Helper()
	bin := requireBinary(t, "Xvfb")
	display, stop, err := launchXvfb(bin)
	if err != nil {
		t.Fatal(err)
	}
	// Not tied to t.Context: it is cancelled before cleanups run, and the
	// injector's Close (a cleanup registered later) still needs the server.
	t.Cleanup(stop)
	return display
}

// launchXvfb starts Xvfb and waits until it reports its display number.
// -noreset keeps the server (and its keymap) alive when the last client
// disconnects; a reset takes ~0.5 s and would be billed to the next Open.
func launchXvfb(bin string) (display string, stop func(), err error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "-displayfd", "3", "-screen", "0", "1280x720x24", "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		w.Close()
		r.Close()
		return "", nil, fmt.Errorf("start Xvfb: %w", err)
	}
	w.Close()
	stop = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		r.Close()
		got <- strings.TrimSpace(line)
	}()
	select {
	case n := <-got:
		if n == "" {
			stop()
			return "", nil, errors.New("Xvfb exited without reporting a display")
		}
		return ":" + n, stop, nil
	case <-time.After(15 * time.Second):
		stop()
		return "", nil, errors.New("Xvfb did not report its display within 15s")
	}
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
