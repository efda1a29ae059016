// Package quartz is the macOS CoreGraphics ("Quartz") layer that the
// capture and input backends share: which displays exist and where, the
// mapping between the agent's virtual-desktop pixels and Quartz's global
// points (Retina screens have 2 pixels per point), and the privacy
// permissions both need (Screen Recording, Accessibility).
//
// Agents are built on Linux with CGO_ENABLED=0, so the CoreGraphics calls
// (the *_darwin.go files) go through purego: the frameworks are dlopen'ed
// at run time and each C function is bound to a Go func variable. Those
// files only compile here; they run on a Mac. Everything in this file is
// plain Go and unit-tested on Linux.
package quartz

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// Rect is a CGRect (origin x, y; size width, height) in points. It is
// declared flat, with the same memory layout as CGRect's nested CGPoint
// and CGSize, so purego passes and returns it as the four-double
// homogeneous aggregate the C ABI uses.
type Rect struct{ X, Y, W, H float64 }

// Point is a CGPoint in global display coordinates (points).
type Point struct{ X, Y float64 }

// Screen is one active display as CoreGraphics reports it.
type Screen struct {
	ID     uint32 // CGDirectDisplayID
	Bounds Rect   // CGDisplayBounds: global coordinates, points, y down
	// PixelsWide and PixelsHigh are the pixels behind the screen
	// (CGDisplayModeGetPixelWidth/Height of the current mode), the size
	// CGDisplayCreateImage returns: 2x the points on Retina screens, more
	// in "scaled" resolutions.
	PixelsWide, PixelsHigh int
	Main                   bool // CGMainDisplayID: the menu bar screen
}

// Placed is a Screen put into the agent's virtual desktop of pixels.
type Placed struct {
	Screen
	X, Y  int     // top-left corner in virtual-desktop pixels
	Scale float64 // pixels per point on this screen
}

// Layout places the screens in one virtual desktop measured in pixels, the
// space capture.Display and input.Injector.MouseMove share. Quartz lays
// screens out in points, and screens may differ in pixels per point (a
// Retina laptop beside a plain monitor), so no single factor turns points
// into every screen's pixels. Each screen's origin is its point origin
// times the largest scale of all screens: every screen then fits inside
// its point rectangle scaled by that factor, so screens never overlap,
// and a pixel maps back to exactly one screen (ToPoint). The main screen
// comes first.
func Layout(screens []Screen) []Placed {
	maxScale := 1.0
	placed := make([]Placed, 0, len(screens))
	for _, s := range screens {
		sc := 1.0
		if s.Bounds.W > 0 && s.PixelsWide > 0 {
			sc = float64(s.PixelsWide) / s.Bounds.W
		}
		maxScale = max(maxScale, sc)
		placed = append(placed, Placed{Screen: s, Scale: sc})
	}
	for i := range placed {
		p := &placed[i]
		p.X = int(math.Round(p.Bounds.X * maxScale))
		p.Y = int(math.Round(p.Bounds.Y * maxScale))
	}
	for i := 1; i < len(placed); i++ {
		if placed[i].Main {
			main := placed[i]
			copy(placed[1:i+1], placed[:i])
			placed[0] = main
			break
		}
	}
	return placed
}

// ToPoint converts a virtual-desktop pixel to Quartz global points: on the
// screen that contains it, else clamped onto the nearest screen (a pointer
// in a gap between screens would be lost).
func ToPoint(placed []Placed, x, y int) Point {
	if len(placed) == 0 {
		return Point{float64(x), float64(y)}
	}
	best, bestDist := 0, math.Inf(1)
	for i, p := range placed {
		cx := min(max(x, p.X), p.X+p.PixelsWide-1)
		cy := min(max(y, p.Y), p.Y+p.PixelsHigh-1)
		d := math.Hypot(float64(x-cx), float64(y-cy))
		if d < bestDist {
			best, bestDist = i, d
		}
	}
	p := placed[best]
	cx := min(max(x, p.X), p.X+max(p.PixelsWide, 1)-1)
	cy := min(max(y, p.Y), p.Y+max(p.PixelsHigh, 1)-1)
	return Point{p.Bounds.X + float64(cx-p.X)/p.Scale, p.Bounds.Y + float64(cy-p.Y)/p.Scale}
}

// Permissions is the privacy (TCC) state the backends depend on. System
// asks macOS; tests use fakes.
type Permissions interface {
	// ScreenCapture reports whether Screen Recording is allowed (macOS
	// 10.15+; always true before). With prompt it also asks macOS to show
	// its one-time request to the user.
	ScreenCapture(prompt bool) bool
	// Accessibility reports whether this process may post input events.
	// With prompt macOS shows its dialog that opens the setting.
	Accessibility(prompt bool) bool
}

// The texts the technician sees when a permission is missing.
var (
	ErrScreenRecording = errors.New("Screen Recording permission missing: System Settings → Privacy & Security → Screen Recording → allow Tether")
	ErrAccessibility   = errors.New("Accessibility permission missing: System Settings → Privacy & Security → Accessibility → allow Tether")
)

// CheckScreenCapture returns nil when the screen may be captured. Without
// the permission, capture still "works" but returns only the wallpaper and
// the menu bar, so this must be checked first; it asks macOS to prompt
// the user and returns ErrScreenRecording.
func CheckScreenCapture(p Permissions) error {
	if p.ScreenCapture(false) {
		return nil
	}
	if p.ScreenCapture(true) {
		return nil
	}
	// macOS applies a new Screen Recording grant to a process only after
	// it restarts.
	return fmt.Errorf("%w, then restart Tether", ErrScreenRecording)
}

// CheckAccessibility returns nil when input may be injected; without the
// permission macOS silently drops posted events. It shows macOS's prompt
// and returns ErrAccessibility.
func CheckAccessibility(p Permissions) error {
	if p.Accessibility(false) || p.Accessibility(true) {
		return nil
	}
	return ErrAccessibility
}

// Gate remembers whether Accessibility is granted and asks again at most
// every Interval, so the injector notices a grant (which applies at once)
// or a revocation without an IPC round trip per event.
type Gate struct {
	P        Permissions
	Interval time.Duration
	Now      func() time.Time

	mu      sync.Mutex
	checked time.Time
	ok      bool
}

// Check returns nil when input may be posted, else ErrAccessibility.
func (g *Gate) Check() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.Now()
	if g.checked.IsZero() || now.Sub(g.checked) >= g.Interval {
		g.ok, g.checked = g.P.Accessibility(false), now
	}
	if !g.ok {
		return ErrAccessibility
	}
	return nil
}
