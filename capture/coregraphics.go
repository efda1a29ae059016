package capture

import (
	"fmt"

	"github.com/tetherhq/tether/internal/quartz"
)

// BackendCoreGraphics is the macOS backend (coregraphics_darwin.go):
// CGDisplayCreateImage through purego, so it needs no cgo. This file holds
// its platform-independent parts, unit-tested everywhere.
const BackendCoreGraphics = "coregraphics"

// ErrScreenRecordingPermission is wrapped by Open on macOS when Tether may
// not record the screen; its text tells the technician what to ask the
// customer to do.
var ErrScreenRecordingPermission = quartz.ErrScreenRecording

// CGImage bitmap info: byte order and where the alpha (or unused) byte is.
const (
	cgByteOrderMask    = 0x7000
	cgByteOrder32Big   = 0x4000
	cgByteOrderDefault = 0x0000 // "default" is big-endian
	cgByteOrder32Le    = 0x2000
	cgAlphaMask        = 0x1f
	cgAlphaPremulLast  = 1
	cgAlphaPremulFirst = 2
	cgAlphaLast        = 3
	cgAlphaFirst       = 4
	cgAlphaSkipLast    = 5
	cgAlphaSkipFirst   = 6
)

// quartzChannels returns where B, G and R sit in each 4-byte pixel of a
// 32-bit, 8-bit-per-channel CGImage with bitmap info info. Displays
// normally deliver alpha-first little-endian pixels, which are memory
// B, G, R, X: the layout of Frame, copied as is.
func quartzChannels(info uint32) (b, g, r int, err error) {
	first := false
	switch info & cgAlphaMask {
	case cgAlphaFirst, cgAlphaPremulFirst, cgAlphaSkipFirst:
		first = true
	case cgAlphaLast, cgAlphaPremulLast, cgAlphaSkipLast:
	default:
		return 0, 0, 0, fmt.Errorf("capture: unsupported CGImage alpha info %d", info&cgAlphaMask)
	}
	little := false
	switch info & cgByteOrderMask {
	case cgByteOrder32Le:
		little = true
	case cgByteOrder32Big, cgByteOrderDefault:
	default:
		return 0, 0, 0, fmt.Errorf("capture: unsupported CGImage byte order %#x", info&cgByteOrderMask)
	}
	// The 32-bit word is A,R,G,B (first) or R,G,B,A (last), most
	// significant byte first; little-endian stores it reversed.
	switch {
	case first && little:
		return 0, 1, 2, nil
	case first:
		return 3, 2, 1, nil
	case little:
		return 1, 2, 3, nil
	default:
		return 2, 1, 0, nil
	}
}

// quartzToFrame copies a CGImage's pixels (w x h, bytesPerRow apart) into
// f as B, G, R, X, reusing f.Pix. Anything but 32-bit pixels of 8-bit
// channels (a 10-bit or HDR frame buffer) is refused with an error.
func quartzToFrame(f *Frame, pix []byte, w, h, bytesPerRow, bitsPerPixel, bitsPerComponent int, info uint32) error {
	if bitsPerPixel != 32 || bitsPerComponent != 8 {
		return fmt.Errorf("capture: unsupported CGImage format: %d bits per pixel, %d per component", bitsPerPixel, bitsPerComponent)
	}
	if w <= 0 || h <= 0 || bytesPerRow < w*BytesPerPixel || len(pix) < (h-1)*bytesPerRow+w*BytesPerPixel {
		return fmt.Errorf("capture: CGImage %dx%d with %d bytes per row does not fit its %d bytes", w, h, bytesPerRow, len(pix))
	}
	b, g, r, err := quartzChannels(info)
	if err != nil {
		return err
	}
	stride := w * BytesPerPixel
	if cap(f.Pix) < stride*h {
		f.Pix = make([]byte, stride*h)
	}
	*f = Frame{Width: w, Height: h, Stride: stride, Pix: f.Pix[:stride*h]}
	for y := range h {
		src := pix[y*bytesPerRow : y*bytesPerRow+stride]
		dst := f.Pix[y*stride : (y+1)*stride]
		if b == 0 && g == 1 && r == 2 {
			copy(dst, src) // the usual case: already B, G, R, X
			continue
		}
		for i := 0; i+4 <= len(src); i += 4 {
			s := src[i : i+4 : i+4]
			d := dst[i : i+4 : i+4]
			d[0], d[1], d[2], d[3] = s[b], s[g], s[r], 0xff
		}
	}
	return nil
}

// quartzDisplays turns the placed screens into Displays: IDs in the order
// of placed (main screen first), positions and sizes in pixels.
func quartzDisplays(placed []quartz.Placed) []Display {
	ds := make([]Display, len(placed))
	for i, p := range placed {
		ds[i] = Display{ID: i, Name: fmt.Sprintf("display%d", p.ID), X: p.X, Y: p.Y,
			Width: p.PixelsWide, Height: p.PixelsHigh, Primary: p.Main}
	}
	return ds
}
