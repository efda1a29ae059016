package capture

import (
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// testLogger routes backend logs to the test output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// openXShm opens the xshm backend on x, closing it at the end of the test.
func openTestXShm(t testing.TB, x *Xvfb) Capturer {
	t.Helper()
	c, err := Open(WithBackend(BackendXShm), WithX11Display(x.Display), WithLogger(testLogger(t)))
	if err != nil {
		t.Fatalf("Open xshm on %s: %v", x.Display, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// fillRect paints a solid rectangle on the root window from a separate X
// client, like any application would, and returns once the server did it.
func fillRect(t testing.TB, display string, r Rect, rgb uint32) {
	t.Helper()
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatalf("connect %s: %v", display, err)
	}
	defer c.Close()
	root := xproto.Setup(c).DefaultScreen(c).Root
	gc, err := xproto.NewGcontextId(c)
	if err != nil {
		t.Fatal(err)
	}
	xproto.CreateGC(c, gc, xproto.Drawable(root), xproto.GcForeground, []uint32{rgb})
	xproto.PolyFillRectangle(c, xproto.Drawable(root), gc, []xproto.Rectangle{
		{X: int16(r.X), Y: int16(r.Y), Width: uint16(r.W), Height: uint16(r.H)}})
	// A round trip guarantees the drawing was executed before we return.
	if _, err := xproto.GetInputFocus(c).Reply(); err != nil {
		t.Fatalf("sync with X server: %v", err)
	}
}

func wantPixel(t *testing.T, f *Frame, x, y int, rgb uint32) {
	t.Helper()
	b, g, r := f.At(x, y)
	if got := uint32(r)<<16 | uint32(g)<<8 | uint32(b); got != rgb {
		t.Errorf("pixel (%d,%d) = %06x, want %06x", x, y, got, rgb)
	}
}

// drain consumes change notifications left over from setup so that a test
// starts from a quiet screen.
func drain(t *testing.T, c Capturer) {
	t.Helper()
	for range 50 {
		changed, err := c.Wait(t.Context(), 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if !changed {
			return
		}
	}
	t.Fatal("screen never became quiet")
}

func TestXShmDisplays(t *testing.T) {
	x := StartXvfb(t, 1280, 720)
	c := openTestXShm(t, x)
	if c.Name() != BackendXShm {
		t.Errorf("Name = %q", c.Name())
	}
	ds, err := c.Displays()
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 {
		t.Fatalf("Displays = %+v, want 1", ds)
	}
	d := ds[0]
	if d.ID != 0 || d.X != 0 || d.Y != 0 || d.Width != 1280 || d.Height != 720 || !d.Primary || d.Name == "" {
		t.Errorf("Displays()[0] = %+v, want primary 1280x720+0+0", d)
	}
}

func TestXShmGrab(t *testing.T) {
	x := StartXvfb(t, 1280, 720)
	c := openTestXShm(t, x)
	fillRect(t, x.Display, Rect{0, 0, 1280, 720}, 0x000000)
	fillRect(t, x.Display, Rect{10, 20, 100, 50}, 0x112233)
	f, err := c.Grab(0)
	if err != nil {
		t.Fatal(err)
	}
	if f.Width != 1280 || f.Height != 720 || f.Stride < 1280*4 || len(f.Pix) < f.Stride*719+1280*4 {
		t.Fatalf("frame %dx%d stride %d len %d", f.Width, f.Height, f.Stride, len(f.Pix))
	}
	wantPixel(t, f, 10, 20, 0x112233)
	wantPixel(t, f, 109, 69, 0x112233)
	wantPixel(t, f, 110, 69, 0x000000)
	wantPixel(t, f, 109, 70, 0x000000)
	if _, err := c.Grab(1); err == nil {
		t.Error("Grab(1) on a single-display server succeeded")
	}

	// A real X client: xsetroot repaints the root background.
	if _, err := exec.LookPath("xsetroot"); err != nil {
		t.Skip("xsetroot not installed")
	}
	cmd := exec.CommandContext(t.Context(), "xsetroot", "-display", x.Display, "-solid", "#ff0000")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xsetroot: %v: %s", err, out)
	}
	if f, err = c.Grab(0); err != nil {
		t.Fatal(err)
	}
	wantPixel(t, f, 0, 0, 0xff0000)
	wantPixel(t, f, 1279, 719, 0xff0000)
}

func TestXShmWaitDamage(t *testing.T) {
	x := StartXvfb(t, 640, 480)
	c := openTestXShm(t, x)
	if changed, err := c.Wait(t.Context(), 0); err != nil || !changed {
		t.Errorf("first Wait after Open = %v, %v; want true (key frame)", changed, err)
	}
	drain(t, c)

	start := time.Now()
	changed, err := c.Wait(t.Context(), 200*time.Millisecond)
	if err != nil || changed {
		t.Fatalf("Wait on a quiet screen = %v, %v; want false, nil", changed, err)
	}
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("Wait returned after %v, before its timeout", el)
	}

	for i := range 3 { // several rounds: the damage object must be re-armed
		go func() {
			time.Sleep(50 * time.Millisecond)
			fillRect(t, x.Display, Rect{5 * i, 5, 20, 20}, 0x00ff00+uint32(i))
		}()
		start = time.Now()
		changed, err = c.Wait(t.Context(), 5*time.Second)
		if err != nil || !changed {
			t.Fatalf("round %d: Wait after drawing = %v, %v; want true, nil", i, changed, err)
		}
		t.Logf("round %d: damage reported after %v", i, time.Since(start))
		time.Sleep(20 * time.Millisecond) // let the drawing client finish
		drain(t, c)
	}
}

func TestXShmWaitCancelAndClose(t *testing.T) {
	x := StartXvfb(t, 320, 240)
	c := openTestXShm(t, x)
	drain(t, c)

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Wait(ctx, time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait with expiring ctx: err = %v, want DeadlineExceeded", err)
	}

	go func() {
		time.Sleep(50 * time.Millisecond)
		c.Close()
	}()
	if _, err := c.Wait(t.Context(), time.Minute); !errors.Is(err, ErrClosed) {
		t.Errorf("Wait aborted by Close: err = %v, want ErrClosed", err)
	}
	if _, err := c.Grab(0); !errors.Is(err, ErrClosed) {
		t.Errorf("Grab after Close: err = %v, want ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestXShmServerGone(t *testing.T) {
	x := StartXvfb(t, 320, 240)
	c := openTestXShm(t, x)
	drain(t, c)
	x.Stop()
	if _, err := c.Wait(t.Context(), 5*time.Second); !errors.Is(err, ErrClosed) {
		t.Errorf("Wait after server exit: err = %v, want ErrClosed", err)
	}
	if _, err := c.Grab(0); !errors.Is(err, ErrClosed) {
		t.Errorf("Grab after server exit: err = %v, want ErrClosed", err)
	}
	if _, err := c.Displays(); !errors.Is(err, ErrClosed) {
		t.Errorf("Displays after server exit: err = %v, want ErrClosed", err)
	}
}

// TestXShmRealClient starts xterm and checks that its window shows up both
// as damage and as pixels different from the background.
func TestXShmRealClient(t *testing.T) {
	if _, err := exec.LookPath("xterm"); err != nil {
		t.Skip("xterm not installed")
	}
	x := StartXvfb(t, 640, 480)
	c := openTestXShm(t, x)
	fillRect(t, x.Display, Rect{0, 0, 640, 480}, 0x0000ff)
	drain(t, c)

	cmd := exec.CommandContext(t.Context(), "xterm", "-display", x.Display,
		"-geometry", "40x10+100+100", "-bg", "white", "-fg", "black", "-e", "sleep 60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	changed, err := c.Wait(t.Context(), 10*time.Second)
	if err != nil || !changed {
		t.Fatalf("Wait after starting xterm = %v, %v", changed, err)
	}
	// xterm maps then paints; poll until its background is visible.
	deadline := time.Now().Add(10 * time.Second)
	for {
		f, err := c.Grab(0)
		if err != nil {
			t.Fatal(err)
		}
		b, g, r := f.At(110, 110)
		if r == 0xff && g == 0xff && b == 0xff {
			wantPixel(t, f, 50, 50, 0x0000ff)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("xterm never appeared: pixel (110,110) = %02x%02x%02x", r, g, b)
		}
		c.Wait(t.Context(), 100*time.Millisecond)
	}
}
