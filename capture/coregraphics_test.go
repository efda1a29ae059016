package capture

import (
	"errors"
	"testing"

	"github.com/tetherhq/tether/internal/quartz"
)

// quartzImage builds a w x h CGImage buffer with padded rows whose pixel
// (x, y) has B=x, G=y, R=x+y, and alpha 0x80, laid out as info says.
func quartzImage(w, h, bytesPerRow int, info uint32) []byte {
	b, g, r, err := quartzChannels(info)
	if err != nil {
		panic(err)
	}
	a := 6 - b - g - r // the remaining byte of 0..3
	pix := make([]byte, (h-1)*bytesPerRow+w*4)
	for y := range h {
		for x := range w {
			p := pix[y*bytesPerRow+x*4:]
			p[b], p[g], p[r], p[a] = byte(x), byte(y), byte(x+y), 0x80
		}
	}
	return pix
}

func TestQuartzToFrame(t *testing.T) {
	layouts := map[string]uint32{
		"first little (displays)": cgAlphaSkipFirst | cgByteOrder32Le,
		"premultiplied first le":  cgAlphaPremulFirst | cgByteOrder32Le,
		"first big":               cgAlphaFirst | cgByteOrder32Big,
		"first default order":     cgAlphaSkipFirst,
		"last little":             cgAlphaLast | cgByteOrder32Le,
		"last big":                cgAlphaSkipLast | cgByteOrder32Big,
	}
	for name, info := range layouts {
		const w, h, stride = 5, 3, 32 // rows padded past w*4 = 20
		var f Frame
		if err := quartzToFrame(&f, quartzImage(w, h, stride, info), w, h, stride, 32, 8, info); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.Width != w || f.Height != h || f.Stride != w*4 || len(f.Pix) != w*h*4 {
			t.Fatalf("%s: frame %dx%d stride %d", name, f.Width, f.Height, f.Stride)
		}
		for y := range h {
			for x := range w {
				if b, g, r := f.At(x, y); b != byte(x) || g != byte(y) || r != byte(x+y) {
					t.Fatalf("%s: pixel %d,%d = %d,%d,%d", name, x, y, b, g, r)
				}
			}
		}
	}
	if b, g, r, _ := quartzChannels(cgAlphaSkipFirst | cgByteOrder32Le); b != 0 || g != 1 || r != 2 {
		t.Error("displays' usual layout is not copied as is")
	}
}

func TestQuartzToFrameRejects(t *testing.T) {
	var f Frame
	info := uint32(cgAlphaSkipFirst | cgByteOrder32Le)
	pix := make([]byte, 64)
	for name, err := range map[string]error{
		"10-bit":       quartzToFrame(&f, pix, 2, 2, 8, 32, 10, info),
		"64 bpp":       quartzToFrame(&f, pix, 2, 2, 16, 64, 16, info),
		"no alpha":     quartzToFrame(&f, pix, 2, 2, 8, 32, 8, cgByteOrder32Le),
		"16-bit order": quartzToFrame(&f, pix, 2, 2, 8, 32, 8, 0x1000|cgAlphaFirst),
		"short buffer": quartzToFrame(&f, pix, 4, 5, 16, 32, 8, info),
		"short rows":   quartzToFrame(&f, pix, 4, 2, 8, 32, 8, info),
	} {
		if err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestQuartzDisplays(t *testing.T) {
	placed := quartz.Layout([]quartz.Screen{
		{ID: 5, Bounds: quartz.Rect{X: 1440, W: 1920, H: 1080}, PixelsWide: 1920, PixelsHigh: 1080},
		{ID: 1, Bounds: quartz.Rect{W: 1440, H: 900}, PixelsWide: 2880, PixelsHigh: 1800, Main: true},
	})
	ds := quartzDisplays(placed)
	want := []Display{
		{ID: 0, Name: "display1", Width: 2880, Height: 1800, Primary: true},
		{ID: 1, Name: "display5", X: 2880, Width: 1920, Height: 1080},
	}
	if len(ds) != 2 || ds[0] != want[0] || ds[1] != want[1] {
		t.Errorf("displays %+v, want %+v", ds, want)
	}
	if !errors.Is(ErrScreenRecordingPermission, quartz.ErrScreenRecording) {
		t.Error("permission error not shared")
	}
}
