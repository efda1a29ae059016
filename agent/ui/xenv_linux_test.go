package ui

import (
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tetherhq/tether/internal/xvfbtest"
)

// xenv is a private Xvfb with xdotool for one test, and the test's own X
// connection, which plays the window manager's part (focus, close).
type xenv struct {
	t    *testing.T
	conn *xgb.Conn
	root xproto.Window
}

func newXEnv(t *testing.T) *xenv {
	xvfbtest.RequireBinary(t, "xdotool")
	srv := xvfbtest.Start(t, 1280, 900)
	t.Setenv("DISPLAY", srv.Display)
	conn, err := xgb.NewConnDisplay(srv.Display)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	return &xenv{t: t, conn: conn, root: xproto.Setup(conn).DefaultScreen(conn).Root}
}

// open opens a window (English unless o says otherwise) and closes it at
// the end of the test.
func (x *xenv) open(o Options) *x11Window {
	x.t.Helper()
	if o.Lang == "" {
		o.Lang = English
	}
	w, err := Open(context.Background(), o)
	if err != nil {
		x.t.Fatal(err)
	}
	x.t.Cleanup(func() { w.Close() })
	return w.(*x11Window)
}

func (x *xenv) xdotool(args ...string) string {
	x.t.Helper()
	out, err := exec.Command("xdotool", args...).CombinedOutput()
	if err != nil {
		x.t.Fatalf("xdotool %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// findByName finds the window the way a test script would.
func (x *xenv) findByName(name string) []xproto.Window {
	out, _ := exec.Command("xdotool", "search", "--name", "^"+name+"$").Output()
	var ws []xproto.Window
	for _, f := range strings.Fields(string(out)) {
		if id, err := strconv.ParseUint(f, 10, 32); err == nil {
			ws = append(ws, xproto.Window(id))
		}
	}
	return ws
}

// focus gives w the keyboard focus, as a window manager would on click.
func (x *xenv) focus(w *x11Window) {
	xproto.SetInputFocus(x.conn, xproto.InputFocusPointerRoot, w.win, xproto.TimeCurrentTime)
	x.sync()
	x.eventually("window focused", func() bool { return x.onLoop(w, func() bool { return w.v.focused }) })
}

// unfocus moves the focus away (to the root window).
func (x *xenv) unfocus(w *x11Window) {
	xproto.SetInputFocus(x.conn, xproto.InputFocusPointerRoot, x.root, xproto.TimeCurrentTime)
	x.sync()
	x.eventually("window unfocused", func() bool { return x.onLoop(w, func() bool { return !w.v.focused }) })
}

func (x *xenv) sync() { xproto.GetInputFocus(x.conn).Reply() }

func (x *xenv) onLoop(w *x11Window, f func() bool) bool {
	var ok bool
	w.onLoop(func() { ok = f() })
	return ok
}

// rect returns the device rectangle of a widget as last drawn.
func (x *xenv) rect(w *x11Window, wd widget) image.Rectangle {
	x.t.Helper()
	var r image.Rectangle
	var on bool
	if !w.onLoop(func() { r, on = w.v.rects[wd], w.v.enabled[wd] }) {
		x.t.Fatal("window is gone")
	}
	if r.Empty() || !on {
		x.t.Fatalf("widget %d is not on screen (enabled %v)", wd, on)
	}
	return r
}

// click clicks the middle of a widget with xdotool (XTEST: real pointer
// events), then moves the pointer off the window so nothing stays hovered.
func (x *xenv) click(w *x11Window, wd widget) {
	x.t.Helper()
	x.eventually(fmt.Sprintf("widget %d enabled", wd), func() bool {
		return x.onLoop(w, func() bool { return w.v.enabled[wd] })
	})
	c := x.rect(w, wd)
	mid := c.Min.Add(c.Size().Div(2))
	x.xdotool("mousemove", "--window", fmt.Sprint(uint32(w.win)), fmt.Sprint(mid.X), fmt.Sprint(mid.Y), "click", "1")
	x.xdotool("mousemove", "0", "0")
}

// shot reads the window's pixels back from the server.
func (x *xenv) shot(w *x11Window) *image.RGBA {
	x.t.Helper()
	g, err := xproto.GetGeometry(x.conn, xproto.Drawable(w.win)).Reply()
	if err != nil {
		x.t.Fatalf("GetGeometry: %v", err)
	}
	rep, err := xproto.GetImage(x.conn, xproto.ImageFormatZPixmap, xproto.Drawable(w.win), 0, 0,
		g.Width, g.Height, 0xffffffff).Reply()
	if err != nil {
		x.t.Fatalf("GetImage: %v", err)
	}
	img := image.NewRGBA(image.Rect(0, 0, int(g.Width), int(g.Height)))
	for i := 0; i+3 < len(rep.Data) && i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = rep.Data[i+2], rep.Data[i+1], rep.Data[i], 0xff
	}
	return img
}

// waitGolden waits until the window looks like the golden image (the
// loop draws asynchronously); on failure the screenshot is kept.
func (x *xenv) waitGolden(w *x11Window, name string) *image.RGBA {
	x.t.Helper()
	want := readPNG(x.t, goldenPath(name))
	var got *image.RGBA
	var d imageDiff
	deadline := time.Now().Add(5 * time.Second)
	for {
		got = x.shot(w)
		if d = diffImages(got, want); d.ok() {
			if dir := os.Getenv(envScreenshots); dir != "" {
				writePNG(x.t, filepath.Join(dir, "linux-"+name+".png"), got)
			}
			return got
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(30 * time.Millisecond)
	}
	p := filepath.Join(os.TempDir(), fmt.Sprintf("tether-ui-%s-%s.png", strings.ReplaceAll(x.t.Name(), "/", "_"), name))
	writePNG(x.t, p, got)
	x.t.Fatalf("window does not match golden %s: %v (screenshot: %s)", name, d, p)
	return nil
}

func (x *xenv) eventually(what string, f func() bool) {
	x.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			x.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// nextEvent returns the window's next event or fails after a while.
func nextEvent(t *testing.T, w Window) Event {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		if !ok {
			t.Fatal("events channel closed")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return Event{}
}

// noEvent checks that nothing is pending.
func noEvent(t *testing.T, w Window) {
	t.Helper()
	select {
	case ev := <-w.Events():
		t.Fatalf("unexpected event %v %q", ev.Kind, ev.Text)
	case <-time.After(200 * time.Millisecond):
	}
}

// sendDelete does what a window manager does when the customer clicks
// the title bar's close button.
func (x *xenv) sendDelete(w *x11Window) { x.sendDeleteTo(w.win) }

// property reads a window property's raw value.
func (x *xenv) property(win xproto.Window, name string) []byte {
	x.t.Helper()
	a, err := xproto.InternAtom(x.conn, false, uint16(len(name)), name).Reply()
	if err != nil {
		x.t.Fatal(err)
	}
	rep, err := xproto.GetProperty(x.conn, false, win, a.Atom, xproto.GetPropertyTypeAny, 0, 1<<20).Reply()
	if err != nil {
		x.t.Fatal(err)
	}
	return rep.Value
}

func (x *xenv) atomName(a uint32) string {
	rep, err := xproto.GetAtomName(x.conn, xproto.Atom(a)).Reply()
	if err != nil {
		return ""
	}
	return rep.Name
}

// addKeys puts keysym pairs (plain, Shift) on spare keycodes, like a
// German layout's umlaut keys; xdotool then types them with Shift as a
// person would.
func (x *xenv) addKeys(t *testing.T, pairs [][2]uint32) {
	setup := xproto.Setup(x.conn)
	n := int(setup.MaxKeycode) - int(setup.MinKeycode) + 1
	km, err := xproto.GetKeyboardMapping(x.conn, setup.MinKeycode, byte(n)).Reply()
	if err != nil {
		t.Fatal(err)
	}
	per := int(km.KeysymsPerKeycode)
	kc := int(setup.MaxKeycode)
	for _, p := range pairs {
		// From the top: xdotool takes its scratch keycodes from the bottom.
		for ; kc >= int(setup.MinKeycode); kc-- {
			row := km.Keysyms[(kc-int(setup.MinKeycode))*per:][:per]
			if !slices.ContainsFunc(row, func(s xproto.Keysym) bool { return s != 0 }) {
				break
			}
		}
		err := xproto.ChangeKeyboardMappingChecked(x.conn, 1, xproto.Keycode(kc), 2,
			[]xproto.Keysym{xproto.Keysym(p[0]), xproto.Keysym(p[1])}).Check()
		if err != nil {
			t.Fatal(err)
		}
		kc--
	}
}
