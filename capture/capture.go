// Package capture grabs the pixels of the local screen for the remote-support
// agent and tells it which regions changed since the previous frame.
//
// The package is split in three parts:
//
//   - an OS-independent [Capturer] interface, implemented by backends that
//     register themselves from per-OS files (capture_x11_linux.go for the
//     X11 MIT-SHM backend, dxgi_windows.go and gdi_windows.go for Windows,
//     coregraphics_darwin.go for macOS without cgo,
//     screenshot.go for the portable fallback);
//   - [Open], which picks the best backend available at run time and falls
//     back to a slower portable one when the fast path is not usable;
//   - a pure-Go [Differ] that compares consecutive frames and reports the
//     changed tiles merged into a few rectangles.
//
// Typical loop:
//
//	c, err := capture.Open()
//	...
//	d := capture.NewDiffer(0)
//	for {
//		if _, err := c.Wait(ctx, time.Second); err != nil { return err }
//		f, err := c.Grab(0)
//		...
//		for _, r := range d.Diff(f) { send(f, r) }
//	}
package capture

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/tetherhq/tether/internal/backends"
)

// BytesPerPixel is the size of one pixel in [Frame.Pix].
const BytesPerPixel = 4

// Display describes one monitor in virtual-desktop coordinates.
type Display struct {
	// ID is the index to pass to [Capturer.Grab]. IDs are dense (0..n-1) and
	// only stable until the monitor layout changes.
	ID int
	// Name is a human-readable label (RandR monitor name such as "HDMI-1" on
	// X11, "display0" when the backend has no name).
	Name string
	// X, Y is the top-left corner of the monitor on the virtual desktop.
	X, Y int
	// Width, Height are in physical pixels.
	Width, Height int
	// Primary reports whether this is the primary monitor. Exactly one
	// display is primary when the backend knows; otherwise display 0 is.
	Primary bool
}

// Frame is one captured image.
//
// Pixel byte order: each pixel is 4 bytes in memory order B, G, R, X — that
// is a little-endian 0xXXRRGGBB word, the layout X11 ZPixmap uses on
// little-endian servers (and Windows' BGRA DIBs). The fourth byte carries no
// information: it is 0x00 from the X11 SHM backend on depth-24 screens and
// 0xFF from the screenshot backend. Consumers must ignore it (and must not
// treat it as alpha).
//
// Row y starts at Pix[y*Stride]; only the first Width*4 bytes of each row are
// pixels, Stride may be larger.
type Frame struct {
	Width, Height, Stride int
	Pix                   []byte
}

// At returns the B, G, R components of the pixel at (x, y). Meant for tests
// and debugging; hot paths should index Pix directly.
func (f *Frame) At(x, y int) (b, g, r byte) {
	i := y*f.Stride + x*BytesPerPixel
	return f.Pix[i], f.Pix[i+1], f.Pix[i+2]
}

// Rect is a rectangle in frame coordinates: columns [X, X+W), rows [Y, Y+H).
type Rect struct{ X, Y, W, H int }

// Capturer grabs frames from the screens of one graphical session.
//
// A Capturer is not safe for concurrent use: call Grab and Wait from a
// single goroutine (Close may be called from another one to abort Wait).
type Capturer interface {
	// Displays lists the monitors, queried afresh from the system. It also
	// refreshes the layout used by Grab.
	Displays() ([]Display, error)
	// Grab captures display d (a [Display.ID]) into an internal buffer and
	// returns it. The frame, including Pix, is only valid until the next
	// Grab or Close; copy what must outlive that.
	Grab(d int) (*Frame, error)
	// Wait blocks until the screen may have changed, ctx is done, or timeout
	// elapses. changed is true when the backend saw a change (an XDamage
	// notification, a DXGI frame with damage, a GDI probe that differs from
	// the last frame) or cannot detect changes at all (then Wait simply
	// sleeps for timeout and reports true). changed is false when the timeout elapsed
	// without any notification. The first Wait after Open reports true so
	// that a caller grabbing only on change still gets a first frame.
	// timeout <= 0 polls. The error is ctx.Err(), [ErrClosed], or a backend
	// failure.
	Wait(ctx context.Context, timeout time.Duration) (changed bool, err error)
	// Close releases the connection and shared memory. Idempotent.
	Close() error
	// Name returns the backend name, e.g. "xshm" or "screenshot".
	Name() string
}

// ChangeDetector is implemented by capturers whose Wait returns as soon as
// they see a change — an XDamage event, a DXGI frame with damage, a GDI
// probe on its own schedule — rather than sleeping out the timeout. A
// caller may then wait with a long timeout without adding latency (the
// stream does, so that a static screen costs it a few wake-ups a second
// instead of one per frame interval). DetectsChanges can be false for a
// backend that lost its notifications (X11 without XDamage).
type ChangeDetector interface {
	DetectsChanges() bool
}

// DetectsChanges reports whether c's Wait ends on a change by itself (see
// [ChangeDetector]); false for capturers that sleep out the timeout.
func DetectsChanges(c any) bool {
	d, ok := c.(ChangeDetector)
	return ok && d.DetectsChanges()
}

// Backend names accepted by [WithBackend] and the TETHER_CAPTURE variable.
const (
	BackendXShm       = "xshm"       // Linux/X11: MIT-SHM, XDamage for Wait
	BackendDXGI       = "dxgi"       // Windows 8+: Desktop Duplication, dirty rects for Wait
	BackendGDI        = "gdi"        // Windows: BitBlt into DIB sections, polling for Wait
	BackendScreenshot = "screenshot" // portable fallback (kbinani/screenshot)
)

// EnvBackend names the environment variable that forces a backend (e.g.
// TETHER_CAPTURE=screenshot), for testing the fallback on a machine where
// the fast path works. It is overridden by [WithBackend].
const EnvBackend = "TETHER_CAPTURE"

// ErrUnsupported is returned by [Open] when no backend can work on this
// platform or build.
var ErrUnsupported = errors.New("capture: screen capture is not supported on this platform")

// ErrClosed is returned by Grab, Wait and Displays after Close, or once the
// connection to the display server has been lost (e.g. the X server exited):
// the caller should Close and Open again.
var ErrClosed = errors.New("capture: capturer closed")

// Option configures [Open].
type Option = backends.Option

type config = backends.Config

// WithBackend forces one backend by name instead of automatic selection; Open
// then fails rather than falling back.
func WithBackend(name string) Option { return backends.WithBackend(name) }

// WithX11Display selects the X11 display (e.g. ":1") instead of $DISPLAY.
// Ignored on platforms without X11. Note that the screenshot backend can only
// use $DISPLAY (its library has no parameter) and refuses other values.
func WithX11Display(name string) Option { return backends.WithX11Display(name) }

// WithXAuthority selects the X11 authority file instead of $XAUTHORITY.
func WithXAuthority(path string) Option { return backends.WithXAuthority(path) }

// WithLogger sets the logger for backend selection and runtime warnings
// (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return backends.WithLogger(l) }

// registry holds the compiled-in backends; per-OS files register theirs
// from init() so that the portable code never names an OS-specific type.
var registry = &backends.Registry[Capturer, *config]{Kind: "capture", Unsupported: ErrUnsupported}

func register(name string, priority int, open func(*config) (Capturer, error)) {
	registry.Register(name, priority, open)
}

// Backends returns the names of the backends compiled in, best first.
func Backends() []string { return registry.Names() }

// Open returns a Capturer using the best working backend: on Linux the X11
// MIT-SHM backend, falling back (with a warning log) to the portable
// screenshot backend when SHM cannot be used (remote X, extension missing,
// attach refused); on Windows DXGI Desktop Duplication, then GDI (RDP
// sessions, no WDDM driver, Wine), then the screenshot backend; on macOS
// CoreGraphics (failing with [ErrScreenRecordingPermission] until the
// customer allows it).
func Open(opts ...Option) (Capturer, error) {
	cfg := backends.NewConfig(EnvBackend, opts)
	return registry.Open(cfg.Backend, cfg, cfg.Logger)
}

// sleepCtx waits for d or ctx, whichever comes first; it is the Wait of
// backends that cannot detect changes.
func sleepCtx(ctx context.Context, d time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-t.C:
		return true, nil
	}
}
