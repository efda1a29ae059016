package capture

import (
	"errors"
	"testing"
	"time"
)

// useDisplay points $DISPLAY at x for the screenshot library, which has no
// display parameter, and makes sure it takes the X11 (not portal) path.
func useDisplay(t *testing.T, x *Xvfb) {
	t.Setenv("DISPLAY", x.Display)
	t.Setenv("XDG_SESSION_TYPE", "x11")
	t.Setenv(EnvBackend, "")
}

// drawPattern paints a few distinct rectangles over Xvfb's default root
// weave so that a misplaced or mis-ordered channel cannot go unnoticed.
func drawPattern(t *testing.T, x *Xvfb) {
	fillRect(t, x.Display, Rect{10, 10, 200, 100}, 0xff0000)
	fillRect(t, x.Display, Rect{220, 10, 200, 100}, 0x00ff00)
	fillRect(t, x.Display, Rect{430, 10, 200, 100}, 0x0000ff)
	fillRect(t, x.Display, Rect{37, 301, 3, 7}, 0x123456)
}

func TestScreenshotMatchesXShm(t *testing.T) {
	x := StartXvfb(t, 800, 600)
	useDisplay(t, x)
	drawPattern(t, x)

	fast := openTestXShm(t, x)
	slow, err := Open(WithBackend(BackendScreenshot), WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if slow.Name() != BackendScreenshot {
		t.Errorf("Name = %q", slow.Name())
	}
	ds, err := slow.Displays()
	if err != nil || len(ds) != 1 || ds[0].Width != 800 || ds[0].Height != 600 || !ds[0].Primary {
		t.Fatalf("screenshot Displays = %+v, %v", ds, err)
	}

	a, err := fast.Grab(0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := slow.Grab(0)
	if err != nil {
		t.Fatal(err)
	}
	if a.Width != b.Width || a.Height != b.Height {
		t.Fatalf("sizes differ: xshm %dx%d, screenshot %dx%d", a.Width, a.Height, b.Width, b.Height)
	}
	wantPixel(t, b, 10, 10, 0xff0000)
	wantPixel(t, b, 38, 302, 0x123456)
	diffs := 0
	for y := range a.Height {
		for x := range a.Width {
			ab, ag, ar := a.At(x, y)
			bb, bg, br := b.At(x, y)
			if ab != bb || ag != bg || ar != br {
				if diffs++; diffs <= 5 {
					t.Errorf("pixel (%d,%d): xshm %02x%02x%02x, screenshot %02x%02x%02x", x, y, ar, ag, ab, br, bg, bb)
				}
			}
		}
	}
	if diffs > 0 {
		t.Errorf("%d pixels differ", diffs)
	}
	// The Differ compares all 4 bytes, so each backend's X byte must be
	// constant: 0x00 from xshm on depth 24, 0xFF from screenshot.
	for _, c := range []struct {
		f *Frame
		x byte
	}{{a, 0x00}, {b, 0xff}} {
		for y := range c.f.Height {
			for x := range c.f.Width {
				if got := c.f.Pix[y*c.f.Stride+x*BytesPerPixel+3]; got != c.x {
					t.Fatalf("X byte at (%d,%d) = %#x, want %#x", x, y, got, c.x)
				}
			}
		}
	}

	start := time.Now()
	changed, err := slow.Wait(t.Context(), 30*time.Millisecond)
	if err != nil || !changed || time.Since(start) < 25*time.Millisecond {
		t.Errorf("screenshot Wait = %v, %v after %v; want true after the timeout", changed, err, time.Since(start))
	}
}

func TestScreenshotRefusesOtherDisplay(t *testing.T) {
	x := StartXvfb(t, 320, 240)
	useDisplay(t, x)
	if _, err := Open(WithBackend(BackendScreenshot), WithX11Display(":12345")); err == nil {
		t.Error("screenshot backend accepted a display other than $DISPLAY")
	}
}

func TestOpenSelection(t *testing.T) {
	x := StartXvfb(t, 320, 240)
	useDisplay(t, x)
	c, err := Open(WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != BackendXShm {
		t.Errorf("automatic Open chose %q, want %q", c.Name(), BackendXShm)
	}
	c.Close()

	t.Setenv(EnvBackend, BackendScreenshot)
	if c, err = Open(WithLogger(testLogger(t))); err != nil {
		t.Fatal(err)
	}
	if c.Name() != BackendScreenshot {
		t.Errorf("%s=%s chose %q", EnvBackend, BackendScreenshot, c.Name())
	}
	c.Close()

	if _, err := Open(WithBackend("nope")); !errors.Is(err, ErrUnsupported) {
		t.Errorf("unknown backend: err = %v, want ErrUnsupported", err)
	}
}

// TestOpenFallsBackWithoutSHM runs a server without MIT-SHM, as a remote or
// nested X server would look, and expects the screenshot fallback.
func TestOpenFallsBackWithoutSHM(t *testing.T) {
	x := StartXvfb(t, 320, 240, "-extension", "MIT-SHM")
	useDisplay(t, x)
	if _, err := Open(WithBackend(BackendXShm)); err == nil {
		t.Fatal("xshm backend opened on a server without MIT-SHM")
	}
	c, err := Open(WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Name() != BackendScreenshot {
		t.Errorf("fallback chose %q, want %q", c.Name(), BackendScreenshot)
	}
	fillRect(t, x.Display, Rect{0, 0, 320, 240}, 0xabcdef)
	f, err := c.Grab(0)
	if err != nil {
		t.Fatal(err)
	}
	wantPixel(t, f, 100, 100, 0xabcdef)
}

// TestXShmRefusesRemote connects over TCP, where the server cannot check our
// credentials and therefore refuses to attach the private segment: the
// situation of a remote X display, which must fall back.
func TestXShmRefusesRemote(t *testing.T) {
	x := StartXvfb(t, 320, 240, "-listen", "tcp")
	remote := "127.0.0.1" + x.Display
	c, err := Open(WithBackend(BackendXShm), WithX11Display(remote), WithLogger(testLogger(t)))
	if err == nil {
		c.Close()
		t.Fatalf("xshm attached shared memory over TCP (%s)", remote)
	}
	t.Logf("expected failure: %v", err)
}
