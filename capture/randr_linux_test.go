package capture

import (
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xproto"
)

// randrClient is a second X client that reconfigures the screen the way
// xrandr would (Xvfb accepts monitors and screen sizes, but not new modes).
type randrClient struct {
	t    testing.TB
	conn *xgb.Conn
	root xproto.Window
}

func newRandrClient(t testing.TB, display string) *randrClient {
	t.Helper()
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	if err := randr.Init(conn); err != nil {
		t.Skipf("RandR unavailable: %v", err)
	}
	if v, err := randr.QueryVersion(conn, 1, 5).Reply(); err != nil || v.MinorVersion < 5 {
		t.Skipf("RandR 1.5 unavailable: %v %v", v, err)
	}
	return &randrClient{t: t, conn: conn, root: xproto.Setup(conn).DefaultScreen(conn).Root}
}

// setMonitor defines a RandR 1.5 monitor without outputs (xrandr --setmonitor).
func (r *randrClient) setMonitor(name string, d Rect, primary bool) {
	r.t.Helper()
	a, err := xproto.InternAtom(r.conn, false, uint16(len(name)), name).Reply()
	if err != nil {
		r.t.Fatal(err)
	}
	m := randr.MonitorInfo{Name: a.Atom, Primary: primary, X: int16(d.X), Y: int16(d.Y),
		Width: uint16(d.W), Height: uint16(d.H), WidthInMillimeters: 300, HeightInMillimeters: 200}
	if err := randr.SetMonitorChecked(r.conn, r.root, m).Check(); err != nil {
		r.t.Fatalf("SetMonitor %s: %v", name, err)
	}
}

// disableOutputs turns every CRTC off, which removes the automatic monitor
// and lifts the screen's minimum size.
func (r *randrClient) disableOutputs() {
	r.t.Helper()
	res, err := randr.GetScreenResourcesCurrent(r.conn, r.root).Reply()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, crtc := range res.Crtcs {
		if _, err := randr.SetCrtcConfig(r.conn, crtc, 0, res.ConfigTimestamp, 0, 0, 0,
			randr.RotationRotate0, nil).Reply(); err != nil {
			r.t.Fatalf("disable CRTC: %v", err)
		}
	}
}

func (r *randrClient) setScreenSize(w, h int) {
	r.t.Helper()
	if err := randr.SetScreenSizeChecked(r.conn, r.root, uint16(w), uint16(h), uint32(w/4), uint32(h/4)).Check(); err != nil {
		r.t.Fatalf("SetScreenSize %dx%d: %v", w, h, err)
	}
}

func TestXShmMultiMonitor(t *testing.T) {
	x := StartXvfb(t, 1280, 720)
	useDisplay(t, x)
	c := openTestXShm(t, x)
	rc := newRandrClient(t, x.Display)
	rc.setMonitor("LEFT", Rect{0, 0, 640, 720}, false)
	rc.setMonitor("RIGHT", Rect{640, 0, 640, 720}, true)
	rc.disableOutputs()
	fillRect(t, x.Display, Rect{0, 0, 640, 720}, 0x0000ff)
	fillRect(t, x.Display, Rect{640, 0, 640, 720}, 0x00ff00)

	ds, err := c.Displays()
	if err != nil {
		t.Fatal(err)
	}
	want := []Display{
		{ID: 0, Name: "RIGHT", X: 640, Y: 0, Width: 640, Height: 720, Primary: true},
		{ID: 1, Name: "LEFT", X: 0, Y: 0, Width: 640, Height: 720},
	}
	if len(ds) != len(want) || ds[0] != want[0] || ds[1] != want[1] {
		t.Fatalf("Displays = %+v\nwant       %+v", ds, want)
	}
	for id, rgb := range []uint32{0x00ff00, 0x0000ff} {
		f, err := c.Grab(id)
		if err != nil {
			t.Fatal(err)
		}
		if f.Width != 640 || f.Height != 720 {
			t.Fatalf("Grab(%d) is %dx%d", id, f.Width, f.Height)
		}
		wantPixel(t, f, 0, 0, rgb)
		wantPixel(t, f, 639, 719, rgb)
	}

	// The screenshot backend (Xinerama) must agree on the order.
	s, err := Open(WithBackend(BackendScreenshot))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sds, err := s.Displays()
	if err != nil || len(sds) != 2 {
		t.Fatalf("screenshot Displays = %+v, %v", sds, err)
	}
	for id, rgb := range []uint32{0x00ff00, 0x0000ff} {
		f, err := s.Grab(id)
		if err != nil {
			t.Fatal(err)
		}
		wantPixel(t, f, 320, 360, rgb)
	}
}

func TestXShmResize(t *testing.T) {
	x := StartXvfb(t, 1280, 720)
	c := openTestXShm(t, x)
	xc := c.(*xshmCapturer)
	rc := newRandrClient(t, x.Display)
	rc.disableOutputs()

	for _, size := range [][2]int{{800, 600}, {1280, 720}, {640, 480}} {
		w, h := size[0], size[1]
		rc.setScreenSize(w, h)
		fillRect(t, x.Display, Rect{0, 0, w, h}, 0x445566)
		// No Wait first: Grab must cope with the resize on its own, whether
		// or not the notification has been processed yet.
		f, err := c.Grab(0)
		if err != nil {
			t.Fatalf("Grab after resize to %dx%d: %v", w, h, err)
		}
		if f.Width != w || f.Height != h {
			t.Fatalf("Grab after resize to %dx%d returned %dx%d", w, h, f.Width, f.Height)
		}
		wantPixel(t, f, w-1, h-1, 0x445566)
		if got := len(xc.buf); got != w*h*BytesPerPixel {
			t.Errorf("segment is %d bytes after resize to %dx%d, want %d", got, w, h, w*h*BytesPerPixel)
		}
		changed, err := c.Wait(t.Context(), 5*time.Second)
		if err != nil || !changed {
			t.Errorf("Wait after resize = %v, %v; want true", changed, err)
		}
		drain(t, c)
	}
}
