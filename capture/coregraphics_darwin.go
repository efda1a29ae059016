//go:build darwin

package capture

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/tetherhq/tether/internal/quartz"
)

// The macOS backend: CGDisplayCreateImage per Grab, through purego (agents
// are built without cgo). Only compiled here; it runs on a Mac.
//
// Why not CGDisplayStream, which would deliver only dirty rectangles: its
// frames arrive through an Objective-C block called on a libdispatch
// thread (CGDisplayStreamCreate and …WithDispatchQueue take no plain C
// callback), which would mean building blocks by hand (purego/objc) and
// running Go callbacks on foreign threads — untestable here, and a crash
// of the whole agent when wrong. It is also deprecated since macOS 14 in
// favour of ScreenCaptureKit, which is Objective-C/Swift only. So Wait
// sleeps and the Differ finds the changed tiles (0.2 ms per 1080p frame).

func init() {
	// Priority 100: above the screenshot backend, which needs cgo on
	// macOS and is only a stub in these builds.
	register(BackendCoreGraphics, 100, func(cfg *config) (Capturer, error) {
		return openCoreGraphics(cfg.Logger, quartz.System())
	})
}

type cgCapturer struct {
	log      *slog.Logger
	placed   []quartz.Placed
	displays []Display
	frame    Frame
	closed   bool
}

func openCoreGraphics(log *slog.Logger, perms quartz.Permissions) (*cgCapturer, error) {
	if err := quartz.Load(); err != nil {
		return nil, err
	}
	// Without the permission capture "works" but shows only the wallpaper:
	// fail instead, with the text the technician needs.
	if err := quartz.CheckScreenCapture(perms); err != nil {
		return nil, err
	}
	c := &cgCapturer{log: log.With("backend", BackendCoreGraphics)}
	if _, err := c.Displays(); err != nil {
		return nil, err
	}
	if _, err := c.Grab(0); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *cgCapturer) Name() string { return BackendCoreGraphics }

// Displays implements [Capturer]: the active, non-mirrored screens in one
// pixel desktop (quartz.Layout), main screen first.
func (c *cgCapturer) Displays() ([]Display, error) {
	if c.closed {
		return nil, ErrClosed
	}
	screens, err := quartz.ActiveScreens()
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	c.placed = quartz.Layout(screens)
	c.displays = quartzDisplays(c.placed)
	return append([]Display(nil), c.displays...), nil
}

// Grab implements [Capturer].
func (c *cgCapturer) Grab(d int) (*Frame, error) {
	if c.closed {
		return nil, ErrClosed
	}
	if d < 0 || d >= len(c.placed) {
		return nil, fmt.Errorf("capture: display %d out of range (have %d)", d, len(c.placed))
	}
	img, err := quartz.CaptureScreen(c.placed[d].ID)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	defer img.Release()
	if err := quartzToFrame(&c.frame, img.Pix, img.Width, img.Height, img.BytesPerRow,
		img.BitsPerPixel, img.BitsPerComponent, img.BitmapInfo); err != nil {
		return nil, err
	}
	if want := c.displays[d]; c.frame.Width != want.Width || c.frame.Height != want.Height {
		// The mode changed under us: the next Displays call picks it up.
		c.log.Debug("captured size differs from the display mode", "display", d,
			"image", fmt.Sprintf("%dx%d", c.frame.Width, c.frame.Height), "mode", fmt.Sprintf("%dx%d", want.Width, want.Height))
	}
	return &c.frame, nil
}

// Wait implements [Capturer]: no change notification, see above.
func (c *cgCapturer) Wait(ctx context.Context, timeout time.Duration) (bool, error) {
	if c.closed {
		return false, ErrClosed
	}
	return sleepCtx(ctx, timeout)
}

func (c *cgCapturer) Close() error {
	c.closed = true
	c.frame = Frame{}
	return nil
}
