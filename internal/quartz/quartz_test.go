package quartz

import (
	"errors"
	"math"
	"testing"
	"time"
)

// A Retina laptop (1440x900 points, 2880x1800 pixels) with a plain 1920x1080
// monitor to its right and a 1280x1024 one above it, offset left.
var desk = []Screen{
	{ID: 7, Bounds: Rect{1440, 0, 1920, 1080}, PixelsWide: 1920, PixelsHigh: 1080},
	{ID: 1, Bounds: Rect{0, 0, 1440, 900}, PixelsWide: 2880, PixelsHigh: 1800, Main: true},
	{ID: 9, Bounds: Rect{-200, -1024, 1280, 1024}, PixelsWide: 1280, PixelsHigh: 1024},
}

func TestLayout(t *testing.T) {
	p := Layout(desk)
	if p[0].ID != 1 || !p[0].Main {
		t.Fatalf("main screen not first: %+v", p)
	}
	want := map[uint32][3]float64{1: {0, 0, 2}, 7: {2880, 0, 1}, 9: {-400, -2048, 1}}
	for _, s := range p {
		w := want[s.ID]
		if float64(s.X) != w[0] || float64(s.Y) != w[1] || s.Scale != w[2] {
			t.Errorf("screen %d at %d,%d scale %v, want %v", s.ID, s.X, s.Y, s.Scale, w)
		}
	}
	// No two screens overlap in the pixel desktop.
	for i := range p {
		for j := i + 1; j < len(p); j++ {
			a, b := p[i], p[j]
			if a.X < b.X+b.PixelsWide && b.X < a.X+a.PixelsWide && a.Y < b.Y+b.PixelsHigh && b.Y < a.Y+a.PixelsHigh {
				t.Errorf("screens %d and %d overlap", a.ID, b.ID)
			}
		}
	}
}

func TestToPoint(t *testing.T) {
	p := Layout(desk)
	for _, c := range []struct {
		x, y   int
		px, py float64
	}{
		{0, 0, 0, 0},
		{2879, 1799, 1439.5, 899.5}, // Retina: two pixels per point
		{1440, 900, 720, 450},       // middle of the laptop
		{2880, 0, 1440, 0},          // first pixel of the monitor
		{2880 + 1919, 1079, 1440 + 1919, 1079},
		{-400, -2048, -200, -1024},    // top-left of the upper screen
		{5000, 500, 1440 + 1919, 500}, // right of everything: clamped
		{2980, 1500, 1439.5, 750},     // in the gap: onto the nearer laptop
		{4000, 1500, 2560, 1079},      // below the monitor: clamped up
	} {
		got := ToPoint(p, c.x, c.y)
		if math.Abs(got.X-c.px) > 1e-9 || math.Abs(got.Y-c.py) > 1e-9 {
			t.Errorf("ToPoint(%d,%d) = %v, want %v,%v", c.x, c.y, got, c.px, c.py)
		}
	}
	if got := ToPoint(nil, 3, 4); got != (Point{3, 4}) {
		t.Errorf("no screens: %v", got)
	}
}

type fakePerms struct {
	screen, access     bool
	grantOnPrompt      bool
	screenAsks, axAsks int
}

func (f *fakePerms) ScreenCapture(prompt bool) bool {
	if prompt {
		f.screenAsks++
		return f.grantOnPrompt
	}
	return f.screen
}

func (f *fakePerms) Accessibility(prompt bool) bool {
	if prompt {
		f.axAsks++
		return f.grantOnPrompt
	}
	return f.access
}

func TestPermissions(t *testing.T) {
	f := &fakePerms{screen: true, access: true}
	if CheckScreenCapture(f) != nil || CheckAccessibility(f) != nil || f.screenAsks+f.axAsks != 0 {
		t.Errorf("granted permissions: prompted %d times", f.screenAsks+f.axAsks)
	}
	f = &fakePerms{}
	err := CheckScreenCapture(f)
	if !errors.Is(err, ErrScreenRecording) || f.screenAsks != 1 {
		t.Errorf("no Screen Recording: %v, %d prompts", err, f.screenAsks)
	}
	if want := "Screen Recording permission missing: System Settings → Privacy & Security → Screen Recording → allow Tether"; err.Error()[:len(want)] != want {
		t.Errorf("message %q", err)
	}
	if err := CheckAccessibility(f); !errors.Is(err, ErrAccessibility) || f.axAsks != 1 {
		t.Errorf("no Accessibility: %v, %d prompts", err, f.axAsks)
	}
	f = &fakePerms{grantOnPrompt: true}
	if CheckAccessibility(f) != nil {
		t.Error("granted in the prompt: still refused")
	}
}

func TestGate(t *testing.T) {
	now := time.Unix(0, 0)
	f := &fakePerms{access: false}
	g := &Gate{P: f, Interval: time.Second, Now: func() time.Time { return now }}
	if !errors.Is(g.Check(), ErrAccessibility) {
		t.Fatal("not granted: allowed")
	}
	f.access = true
	if g.Check() == nil {
		t.Error("asked again before the interval")
	}
	now = now.Add(time.Second)
	if g.Check() != nil {
		t.Error("granted meanwhile: still refused")
	}
	f.access = false
	now = now.Add(999 * time.Millisecond)
	if g.Check() != nil {
		t.Error("revocation noticed before the interval")
	}
	now = now.Add(time.Millisecond)
	if g.Check() == nil {
		t.Error("revocation not noticed")
	}
}
