package ui

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"
)

// Screenshots of the Win32 window for the README, taken with GDI from the
// screen (under Wine too). TETHER_UI_SCREENSHOTS names the folder (a
// Windows path; under Wine Z:\ is the Linux root).

var (
	procCreateCompatibleDC     = gdi32.NewProc("CreateCompatibleDC")
	procCreateCompatibleBitmap = gdi32.NewProc("CreateCompatibleBitmap")
	procBitBlt                 = gdi32.NewProc("BitBlt")
	procGetDIBits              = gdi32.NewProc("GetDIBits")
	procDeleteDC               = gdi32.NewProc("DeleteDC")
)

type bitmapInfoHeader struct {
	Size                         uint32
	Width, Height                int32
	Planes, BitCount             uint16
	Compression, SizeImage       uint32
	XPelsPerMeter, YPelsPerMeter int32
	ClrUsed, ClrImportant        uint32
}

// captureScreen copies r of the screen.
func captureScreen(r rect) *image.RGBA {
	w, h := r.Right-r.Left, r.Bottom-r.Top
	screen := call(procGetDC, 0)
	defer call(procReleaseDC, 0, screen)
	mem := call(procCreateCompatibleDC, screen)
	defer call(procDeleteDC, mem)
	bmp := call(procCreateCompatibleBitmap, screen, uintptr(w), uintptr(h))
	defer call(procDeleteObject, bmp)
	old := call(procSelectObject, mem, bmp)
	const srcCopy = 0x00CC0020
	call(procBitBlt, mem, 0, 0, uintptr(w), uintptr(h), screen, uintptr(r.Left), uintptr(r.Top), srcCopy)
	call(procSelectObject, mem, old)
	bi := bitmapInfoHeader{Width: w, Height: -h, Planes: 1, BitCount: 32} // top-down BGRA
	bi.Size = uint32(unsafe.Sizeof(bi))
	buf := make([]byte, 4*w*h)
	call(procGetDIBits, mem, bmp, 0, uintptr(h), uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&bi)), 0)
	img := image.NewRGBA(image.Rect(0, 0, int(w), int(h)))
	for i := 0; i+3 < len(buf); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = buf[i+2], buf[i+1], buf[i], 0xff
	}
	return img
}

// shot saves the window (with its frame) as name.png when
// TETHER_UI_SCREENSHOTS is set.
func (w *winWindow) shot(t *testing.T, name string) {
	dir := os.Getenv("TETHER_UI_SCREENSHOTS")
	if dir == "" {
		return
	}
	time.Sleep(300 * time.Millisecond) // let it paint
	img := captureScreen(w.windowRect())
	p := filepath.Join(dir, name+".png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", p)
}
