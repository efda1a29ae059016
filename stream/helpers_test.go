package stream

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tetherhq/tether/capture"
)

// loadFrame reads a PNG fixture into a BGRX frame with X = 0, as the X11
// SHM backend produces. The xterm fixtures are real Xvfb captures (xterm,
// DejaVu Sans Mono 11, anti-aliased) before and after typing one line.
func loadFrame(tb testing.TB, name string) *capture.Frame {
	tb.Helper()
	if f, ok := frameCache.Load(name); ok {
		return cloneFrame(f.(*capture.Frame))
	}
	f := decodeFixture(tb, name)
	frameCache.Store(name, f)
	return cloneFrame(f)
}

// frameCache keeps decoded fixtures: PNG decoding dominates test time.
var frameCache sync.Map

func decodeFixture(tb testing.TB, name string) *capture.Frame {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	b := img.Bounds()
	f := &capture.Frame{Width: b.Dx(), Height: b.Dy(), Stride: b.Dx() * 4, Pix: make([]byte, b.Dx()*b.Dy()*4)}
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := y*f.Stride + x*4
			f.Pix[i], f.Pix[i+1], f.Pix[i+2] = byte(bl>>8), byte(g>>8), byte(r>>8)
		}
	}
	return f
}

func cloneFrame(f *capture.Frame) *capture.Frame {
	c := *f
	c.Pix = bytes.Clone(f.Pix)
	return &c
}

// desktopFrame builds a 1080p "desktop": the xterm capture on the left, a
// smooth photo-like picture on the right and a flat task bar, so that the
// full-frame benchmark exercises both the text and the photo paths.
func desktopFrame(tb testing.TB) *capture.Frame {
	f := cloneFrame(loadFrame(tb, "xterm-after.png"))
	seed := uint32(1)
	for y := 100; y < 800; y++ {
		for x := 1000; x < 1850; x++ {
			seed = seed*1664525 + 1013904223
			noise := float64(seed>>24) / 32
			fx, fy := float64(x)/97, float64(y)/61
			r := 128 + 90*math.Sin(fx)*math.Cos(fy*0.7) + noise
			g := 128 + 80*math.Sin(fx*0.6+fy) + noise
			b := 128 + 70*math.Cos(fx*1.3-fy*0.4) + noise
			i := y*f.Stride + x*4
			f.Pix[i], f.Pix[i+1], f.Pix[i+2] = clampByte(b), clampByte(g), clampByte(r)
		}
	}
	for y := 1040; y < 1080; y++ {
		for x := 0; x < 1920; x++ {
			i := y*f.Stride + x*4
			f.Pix[i], f.Pix[i+1], f.Pix[i+2] = 0x40, 0x30, 0x30
		}
	}
	return f
}

func clampByte(v float64) byte { return byte(max(0, min(255, v))) }

// tileDiffer is a minimal stand-in for capture.NewDiffer(64) so that these
// tests do not depend on its implementation: it reports each changed tile.
type tileDiffer struct {
	tile int
	prev *capture.Frame
}

func (d *tileDiffer) Reset() { d.prev = nil }

func (d *tileDiffer) Diff(f *capture.Frame) []capture.Rect {
	defer func() { d.prev = cloneFrame(f) }()
	if d.prev == nil || d.prev.Width != f.Width || d.prev.Height != f.Height {
		return []capture.Rect{{W: f.Width, H: f.Height}}
	}
	var out []capture.Rect
	for ty := 0; ty < f.Height; ty += d.tile {
		for tx := 0; tx < f.Width; tx += d.tile {
			r := clip(capture.Rect{X: tx, Y: ty, W: d.tile, H: d.tile}, f.Width, f.Height)
			for y := r.Y; y < r.Y+r.H; y++ {
				a := f.Pix[y*f.Stride+r.X*4 : y*f.Stride+(r.X+r.W)*4]
				b := d.prev.Pix[y*f.Stride+r.X*4 : y*f.Stride+(r.X+r.W)*4]
				if !bytes.Equal(a, b) {
					out = append(out, r)
					break
				}
			}
		}
	}
	return out
}

// rgbaOf converts a BGRX frame to the RGBA the decoder should hold.
func rgbaOf(f *capture.Frame) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	copy(img.Pix, toRGBA(nil, f.Pix, f.Stride, capture.Rect{W: f.Width, H: f.Height}))
	return img
}

func screenFor(f *capture.Frame) *Screen {
	return &Screen{Version: Version, Width: f.Width, Height: f.Height,
		Displays: []capture.Display{{Name: "test", Width: f.Width, Height: f.Height, Primary: true}}}
}

// toRGBA appends rectangle r of a BGRX image as RGBA with alpha 255 (the
// JPEG encoder's fast input layout).
func toRGBA(dst, src []byte, stride int, r capture.Rect) []byte {
	n := r.W * r.H * 4
	if cap(dst) < n {
		dst = make([]byte, 0, n)
	}
	dst = dst[:n]
	o := 0
	for y := r.Y; y < r.Y+r.H; y++ {
		row := src[y*stride+r.X*4 : y*stride+(r.X+r.W)*4]
		for i := 0; i < len(row); i += 4 {
			v := binary.LittleEndian.Uint32(row[i:])
			binary.LittleEndian.PutUint32(dst[o:], v>>16&0xFF|v&0xFF00|(v&0xFF)<<16|0xFF000000)
			o += 4
		}
	}
	return dst
}
