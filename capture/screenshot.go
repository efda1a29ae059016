//go:build linux || windows || (darwin && cgo)

package capture

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"runtime"
	"time"

	"github.com/kbinani/screenshot"
)

func init() {
	// Priority 10: portable but slow (~22 ms per 1080p frame on X11: the
	// library opens a new connection and converts pixel by pixel), so it is
	// only the fallback wherever a native backend exists.
	register(BackendScreenshot, 10, func(cfg *config) (Capturer, error) { return openScreenshot(cfg) })
}

// screenshotCapturer wraps github.com/kbinani/screenshot. It cannot detect
// changes, so Wait is a plain sleep that always reports a change.
type screenshotCapturer struct {
	displays []Display
	frame    Frame
	closed   bool
}

func openScreenshot(cfg *config) (*screenshotCapturer, error) {
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" &&
		cfg.Display != "" && cfg.Display != os.Getenv("DISPLAY") {
		// The library always dials $DISPLAY; capturing another display
		// than the one asked for would be worse than failing.
		return nil, fmt.Errorf("capture: %s backend can only use $DISPLAY (%q), not %q",
			BackendScreenshot, os.Getenv("DISPLAY"), cfg.Display)
	}
	s := &screenshotCapturer{}
	ds, err := s.Displays()
	if err != nil {
		return nil, err
	}
	// One test grab: the library reports "no display" only as an empty
	// list or a capture error, and Open must fail now to fall back.
	if _, err := s.Grab(0); err != nil {
		return nil, err
	}
	cfg.Logger.Debug("screenshot backend ready", "displays", len(ds))
	return s, nil
}

func (s *screenshotCapturer) Name() string { return BackendScreenshot }

// Displays implements [Capturer]. Coordinates are relative to the primary
// display's origin, as the library reports them.
func (s *screenshotCapturer) Displays() ([]Display, error) {
	if s.closed {
		return nil, ErrClosed
	}
	n := screenshot.NumActiveDisplays()
	if n <= 0 {
		return nil, errors.New("capture: no active display found (is $DISPLAY set?)")
	}
	ds := make([]Display, 0, n)
	for i := range n {
		b := screenshot.GetDisplayBounds(i)
		ds = append(ds, Display{ID: i, Name: fmt.Sprintf("display%d", i),
			X: b.Min.X, Y: b.Min.Y, Width: b.Dx(), Height: b.Dy(), Primary: i == 0})
	}
	s.displays = ds
	return append([]Display(nil), ds...), nil
}

// Grab implements [Capturer], converting the library's RGBA image to the
// package's BGRX layout (X = 0xFF) in a reused buffer.
func (s *screenshotCapturer) Grab(d int) (*Frame, error) {
	if s.closed {
		return nil, ErrClosed
	}
	if d < 0 || d >= len(s.displays) {
		return nil, fmt.Errorf("capture: display %d out of range (have %d)", d, len(s.displays))
	}
	b := s.displays[d]
	img, err := screenshot.CaptureRect(image.Rect(b.X, b.Y, b.X+b.Width, b.Y+b.Height))
	if err != nil {
		return nil, fmt.Errorf("capture: screenshot of display %d: %w", d, err)
	}
	rgbaToBGRX(&s.frame, img)
	return &s.frame, nil
}

// rgbaToBGRX converts img into f, reusing f.Pix when it is large enough.
func rgbaToBGRX(f *Frame, img *image.RGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	stride := w * BytesPerPixel
	if cap(f.Pix) < stride*h {
		f.Pix = make([]byte, stride*h)
	}
	*f = Frame{Width: w, Height: h, Stride: stride, Pix: f.Pix[:stride*h]}
	for y := range h {
		src := img.Pix[y*img.Stride : y*img.Stride+stride]
		dst := f.Pix[y*stride : (y+1)*stride]
		// Fixed-size sub-slices let the compiler drop the bounds checks
		// (measured 3-4x faster than indexing src[i+2] directly).
		for i := 0; i+4 <= len(src); i += 4 {
			s := src[i : i+4 : i+4]
			d := dst[i : i+4 : i+4]
			d[0], d[1], d[2], d[3] = s[2], s[1], s[0], 0xff
		}
	}
}

// Wait implements [Capturer]: without change notifications, sleep for the
// timeout and let the Differ find out what changed.
func (s *screenshotCapturer) Wait(ctx context.Context, timeout time.Duration) (bool, error) {
	if s.closed {
		return false, ErrClosed
	}
	return sleepCtx(ctx, timeout)
}

func (s *screenshotCapturer) Close() error {
	s.closed = true
	s.frame = Frame{}
	return nil
}
