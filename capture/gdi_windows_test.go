package capture

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/winapi"
	"github.com/tetherhq/tether/internal/wintest"
)

// These tests run on a Windows desktop and under Wine on Xvfb
// (scripts/wine.sh test ./capture). They draw real windows with GDI and
// check the captured pixels at exact coordinates.

// windowsBackends are the backends compiled in on Windows, best first.
var windowsBackends = []string{BackendDXGI, BackendGDI, BackendScreenshot}

// openBackend opens a backend by name. DXGI Desktop Duplication does not
// exist under Wine (DuplicateOutput fails): the test is skipped there with
// the error, which is how the Wine run documents it.
func openBackend(t *testing.T, name string) Capturer {
	t.Helper()
	c, err := Open(WithBackend(name))
	if err != nil {
		if v, wine := wintest.Wine(); wine && name == BackendDXGI {
			t.Skipf("Wine %s has no Desktop Duplication: %v", v, err)
		}
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestWindowsBackendOrder(t *testing.T) {
	got := Backends()
	if len(got) != len(windowsBackends) {
		t.Fatalf("Backends() = %v, want %v", got, windowsBackends)
	}
	for i := range got {
		if got[i] != windowsBackends[i] {
			t.Fatalf("Backends() = %v, want %v", got, windowsBackends)
		}
	}
	c, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, wine := wintest.Wine()
	switch {
	case wine && c.Name() != BackendGDI:
		t.Errorf("under Wine Open picked %s, want %s (DXGI unavailable)", c.Name(), BackendGDI)
	case c.Name() != BackendDXGI && c.Name() != BackendGDI:
		t.Errorf("Open picked %s", c.Name())
	}
	t.Logf("Open picked %s", c.Name())
}

func TestWindowsDisplays(t *testing.T) {
	vx, vy, vw, vh := wintest.VirtualScreen()
	for _, name := range windowsBackends {
		t.Run(name, func(t *testing.T) {
			c := openBackend(t, name)
			ds, err := c.Displays()
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) == 0 {
				t.Fatal("no display")
			}
			primaries := 0
			x0, y0, x1, y1 := ds[0].X, ds[0].Y, ds[0].X, ds[0].Y
			for i, d := range ds {
				if d.ID != i || d.Width <= 0 || d.Height <= 0 {
					t.Errorf("display %d: %+v", i, d)
				}
				if d.Primary {
					primaries++
				}
				x0, y0 = min(x0, d.X), min(y0, d.Y)
				x1, y1 = max(x1, d.X+d.Width), max(y1, d.Y+d.Height)
				t.Logf("display %+v", d)
			}
			if primaries != 1 {
				t.Errorf("%d primary displays", primaries)
			}
			if name != BackendScreenshot && (x0 != vx || y0 != vy || x1-x0 != vw || y1-y0 != vh) {
				// (The screenshot library reports bounds relative to the
				// primary monitor too, but does not promise the union.)
				t.Errorf("displays cover %d,%d %dx%d; virtual screen is %d,%d %dx%d", x0, y0, x1-x0, y1-y0, vx, vy, vw, vh)
			}
		})
	}
}

// grabUntil grabs display d until pred holds for the frame (a window's
// pixels reach the screen asynchronously under Wine) or 5 s pass.
func grabUntil(t *testing.T, c Capturer, d int, pred func(*Frame) bool) *Frame {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, err := c.Grab(d)
		if err != nil {
			t.Fatal(err)
		}
		if pred(f) {
			return f
		}
		if time.Now().After(deadline) {
			return f
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// primaryIndex returns the primary display and its index.
func primaryIndex(t *testing.T, c Capturer) (Display, int) {
	t.Helper()
	ds, err := c.Displays()
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		if d.Primary {
			return d, i
		}
	}
	return ds[0], 0
}

type rgb struct{ r, g, b byte }

func pixelIs(f *Frame, x, y int, c rgb) bool {
	b, g, r := f.At(x, y)
	return r == c.r && g == c.g && b == c.b
}

// TestWindowsGrabPattern paints a window of an odd size at an odd position
// and checks the captured pixels on both sides of each edge.
func TestWindowsGrabPattern(t *testing.T) {
	for _, name := range windowsBackends {
		t.Run(name, func(t *testing.T) {
			c := openBackend(t, name)
			disp, id := primaryIndex(t, c)
			x, y, w, h := 101, 77, 211, 133
			col := rgb{200, 30, 60}
			wintest.NewWindow(t, disp.X+x, disp.Y+y, w, h, wintest.RGB(col.r, col.g, col.b))
			f := grabUntil(t, c, id, func(f *Frame) bool { return pixelIs(f, x, y, col) && pixelIs(f, x+w-1, y+h-1, col) })
			if f.Width != disp.Width || f.Height != disp.Height || f.Stride < f.Width*BytesPerPixel {
				t.Fatalf("frame %dx%d stride %d for display %dx%d", f.Width, f.Height, f.Stride, disp.Width, disp.Height)
			}
			inside := [][2]int{{x, y}, {x + w - 1, y}, {x, y + h - 1}, {x + w - 1, y + h - 1}, {x + w/2, y + h/2}}
			outside := [][2]int{{x - 1, y}, {x, y - 1}, {x + w, y}, {x, y + h}, {x + w - 1, y + h}, {x + w, y + h - 1}}
			for _, p := range inside {
				if !pixelIs(f, p[0], p[1], col) {
					b, g, r := f.At(p[0], p[1])
					t.Errorf("pixel %d,%d = rgb(%d,%d,%d), want the window's rgb(%d,%d,%d)", p[0], p[1], r, g, b, col.r, col.g, col.b)
				}
			}
			for _, p := range outside {
				if pixelIs(f, p[0], p[1], col) {
					t.Errorf("pixel %d,%d outside the window has its colour", p[0], p[1])
				}
			}
		})
	}
}

// TestWindowsWait checks change detection: a static screen makes Wait time
// out with false, a repaint makes it report true, and the next Grab shows
// the new colour.
func TestWindowsWait(t *testing.T) {
	for _, name := range []string{BackendDXGI, BackendGDI} {
		t.Run(name, func(t *testing.T) {
			c := openBackend(t, name)
			disp, id := primaryIndex(t, c)
			ctx := context.Background()
			if changed, err := c.Wait(ctx, time.Second); err != nil || !changed {
				t.Fatalf("first Wait = %v, %v; want true (key frame)", changed, err)
			}
			x, y := 50, 60
			win := wintest.NewWindow(t, disp.X+x, disp.Y+y, 120, 90, wintest.RGB(10, 120, 10))
			grabUntil(t, c, id, func(f *Frame) bool { return pixelIs(f, x+5, y+5, rgb{10, 120, 10}) })
			// Settle: report the window's arrival (if not yet), then grab.
			c.Wait(ctx, 300*time.Millisecond)
			if _, err := c.Grab(id); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if changed, err := c.Wait(ctx, 700*time.Millisecond); err != nil || changed {
				t.Fatalf("Wait on a static screen = %v, %v; want false", changed, err)
			}
			if d := time.Since(start); d < 600*time.Millisecond {
				t.Errorf("Wait returned after %v, want the 700ms timeout", d)
			}
			go func() {
				time.Sleep(100 * time.Millisecond)
				win.SetColor(t, wintest.RGB(250, 250, 0))
			}()
			start = time.Now()
			changed, err := c.Wait(ctx, 3*time.Second)
			if err != nil || !changed {
				t.Fatalf("Wait after a repaint = %v, %v; want true", changed, err)
			}
			t.Logf("change seen %v after Wait started (repaint at ~100ms)", time.Since(start).Round(time.Millisecond))
			f := grabUntil(t, c, id, func(f *Frame) bool { return pixelIs(f, x+5, y+5, rgb{250, 250, 0}) })
			if !pixelIs(f, x+119, y+89, rgb{250, 250, 0}) {
				t.Error("Grab after the change does not show the new colour")
			}
		})
	}
}

func TestWindowsWaitCancelAndClose(t *testing.T) {
	for _, name := range []string{BackendDXGI, BackendGDI} {
		t.Run(name, func(t *testing.T) {
			c := openBackend(t, name)
			if _, err := c.Wait(context.Background(), 0); err != nil { // the key-frame "true"
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			if _, err := c.Wait(ctx, time.Minute); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Wait with an expiring ctx: %v", err)
			}
			go func() {
				time.Sleep(100 * time.Millisecond)
				c.Close()
			}()
			if _, err := c.Wait(context.Background(), time.Minute); !errors.Is(err, ErrClosed) {
				t.Errorf("Wait across Close: %v, want ErrClosed", err)
			}
			if _, err := c.Grab(0); !errors.Is(err, ErrClosed) {
				t.Errorf("Grab after Close: %v, want ErrClosed", err)
			}
			if _, err := c.Displays(); !errors.Is(err, ErrClosed) {
				t.Errorf("Displays after Close: %v, want ErrClosed", err)
			}
			if err := c.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

// TestWindowsBackendsAgree grabs the same static screen with GDI and the
// screenshot library: same size, same pixels (the fourth byte aside), so
// switching backends never changes colours or layout.
func TestWindowsBackendsAgree(t *testing.T) {
	gdi := openBackend(t, BackendGDI)
	shot := openBackend(t, BackendScreenshot)
	disp, id := primaryIndex(t, gdi)
	wintest.NewWindow(t, disp.X+30, disp.Y+40, 300, 200, wintest.RGB(1, 2, 3))
	grabUntil(t, gdi, id, func(f *Frame) bool { return pixelIs(f, 30, 40, rgb{1, 2, 3}) })
	a, err := gdi.Grab(id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := shot.Grab(id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Width != b.Width || a.Height != b.Height {
		t.Fatalf("gdi %dx%d, screenshot %dx%d", a.Width, a.Height, b.Width, b.Height)
	}
	diff := 0
	for y := range a.Height {
		for x := range a.Width {
			ab, ag, ar := a.At(x, y)
			bb, bg, br := b.At(x, y)
			if ab != bb || ag != bg || ar != br {
				diff++
			}
		}
	}
	if diff != 0 {
		t.Errorf("%d pixels differ between gdi and screenshot", diff)
	}
}

func TestIdleBands(t *testing.T) {
	for _, tc := range []struct{ w, h, want int }{
		{1280, 800, 2}, {1920, 1080, 4}, {2560, 1440, 8}, {3840, 2160, 8}, {640, 480, 1}, {1, 1, 1},
	} {
		if got := idleBands(tc.w, tc.h); got != tc.want {
			t.Errorf("idleBands(%d, %d) = %d, want %d", tc.w, tc.h, got, tc.want)
		}
	}
}

// TestGDIWaitWakesOnInjectedInput: input sent by the agent's own injector
// (winapi.Injected) makes an idle GDI Wait look at the whole screen at once
// instead of at its idle band rate.
func TestGDIWaitWakesOnInjectedInput(t *testing.T) {
	c := openBackend(t, BackendGDI)
	disp, id := primaryIndex(t, c)
	// Bottom of the screen: the last band an idle probe gets to.
	x, y := 40, disp.Height-80
	win := wintest.NewWindow(t, disp.X+x, disp.Y+y, 100, 60, wintest.RGB(0, 0, 200))
	grabUntil(t, c, id, func(f *Frame) bool { return pixelIs(f, x+1, y+1, rgb{0, 0, 200}) })
	ctx := context.Background()
	c.Wait(ctx, 300*time.Millisecond)
	if _, err := c.Grab(id); err != nil {
		t.Fatal(err)
	}
	// Let the plan settle into its idle rate.
	if changed, err := c.Wait(ctx, 2500*time.Millisecond); err != nil || changed {
		t.Fatalf("static Wait = %v, %v", changed, err)
	}
	win.SetColor(t, wintest.RGB(200, 0, 0))
	start := time.Now()
	winapi.Injected.Notify()
	changed, err := c.Wait(ctx, 3*time.Second)
	if err != nil || !changed {
		t.Fatalf("Wait after injected input = %v, %v", changed, err)
	}
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Errorf("change seen %v after the injected input, want well under the idle band cycle", d)
	}
}
