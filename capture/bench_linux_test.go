package capture

import (
	"image"
	"testing"
)

// BenchmarkGrab1080p grabs a full 1920x1080 frame with each backend from the
// same Xvfb; compare the two ns/op for the xshm speed-up.
func BenchmarkGrab1080p(b *testing.B) {
	x := StartXvfb(b, 1920, 1080)
	b.Setenv("DISPLAY", x.Display)
	b.Setenv("XDG_SESSION_TYPE", "x11")
	fillRect(b, x.Display, Rect{100, 100, 800, 600}, 0x336699)
	for _, name := range []string{BackendXShm, BackendScreenshot} {
		b.Run(name, func(b *testing.B) {
			c, err := Open(WithBackend(name))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			b.SetBytes(1920 * 1080 * BytesPerPixel)
			for b.Loop() {
				f, err := c.Grab(0)
				if err != nil {
					b.Fatal(err)
				}
				if f.Width != 1920 || f.Height != 1080 {
					b.Fatalf("frame %dx%d", f.Width, f.Height)
				}
			}
		})
	}
}

// BenchmarkScreenshotConvert isolates our RGBA -> BGRX conversion from the
// library's own cost in BenchmarkGrab1080p/screenshot.
func BenchmarkScreenshotConvert(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 1920, 1080))
	var f Frame
	b.SetBytes(int64(len(img.Pix)))
	for b.Loop() {
		rgbaToBGRX(&f, img)
	}
}
