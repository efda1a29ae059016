//go:build darwin

package quartz

import (
	"errors"
	"fmt"
	"unsafe"
)

// maxScreens bounds CGGetActiveDisplayList; macOS drives far fewer.
const maxScreens = 32

// ActiveScreens lists the displays that show their own content: mirrors
// of another display are left out (capturing them would repeat a screen).
func ActiveScreens() ([]Screen, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	var ids [maxScreens]uint32
	var n uint32
	if e := cg.getActiveDisplayList(maxScreens, &ids[0], &n); e != 0 {
		return nil, fmt.Errorf("quartz: CGGetActiveDisplayList failed (CGError %d)", e)
	}
	main := cg.mainDisplayID()
	var out []Screen
	for _, id := range ids[:min(n, maxScreens)] {
		if cg.displayMirrorsDisplay(id) != 0 {
			continue
		}
		w, h := pixelSize(id)
		out = append(out, Screen{ID: id, Bounds: cg.displayBounds(id), PixelsWide: w, PixelsHigh: h, Main: id == main})
	}
	if len(out) == 0 {
		return nil, errors.New("quartz: no active display (is anyone logged in at the screen?)")
	}
	return out, nil
}

// pixelSize is the pixel size of the display's current mode, which
// CGDisplayPixelsWide/High report in points on Retina screens.
func pixelSize(id uint32) (int, int) {
	if mode := cg.displayCopyMode(id); mode != 0 {
		defer cg.modeRelease(mode)
		if w, h := int(cg.modePixelWidth(mode)), int(cg.modePixelHeight(mode)); w > 0 && h > 0 {
			return w, h
		}
	}
	return int(cg.displayPixelsWide(id)), int(cg.displayPixelsHigh(id))
}

// Image is one captured screen as CoreGraphics delivered it. Pix points
// into CoreGraphics' memory and is valid until Release.
type Image struct {
	Width, Height, BytesPerRow, BitsPerPixel, BitsPerComponent int
	BitmapInfo                                                 uint32
	Pix                                                        []byte
	data, img                                                  uintptr
}

// CaptureScreen grabs the whole display id (CGDisplayCreateImage, which
// copies the current frame buffer; ~10-30 ms for a Retina screen).
// Without Screen Recording permission it returns only the wallpaper and
// menu bar, so callers check CheckScreenCapture first.
func CaptureScreen(id uint32) (*Image, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	img := cg.displayCreateImage(id)
	if img == 0 {
		return nil, fmt.Errorf("quartz: CGDisplayCreateImage of display %d failed (display gone?)", id)
	}
	data := cg.dataProviderCopyData(cg.imageDataProvider(img))
	if data == 0 {
		cg.imageRelease(img)
		return nil, fmt.Errorf("quartz: no pixel data for display %d", id)
	}
	im := &Image{
		Width: int(cg.imageWidth(img)), Height: int(cg.imageHeight(img)),
		BytesPerRow: int(cg.imageBytesPerRow(img)), BitsPerPixel: int(cg.imageBitsPerPixel(img)),
		BitsPerComponent: int(cg.imageBitsPerComponent(img)), BitmapInfo: cg.imageBitmapInfo(img),
		data: data, img: img,
	}
	if p, n := cg.cfDataGetBytePtr(data), cg.cfDataGetLength(data); p != nil && n > 0 {
		im.Pix = unsafe.Slice(p, n)
	}
	return im, nil
}

// Release frees the image; Pix must not be used afterwards.
func (im *Image) Release() {
	if im.data != 0 {
		cg.cfRelease(im.data)
		cg.imageRelease(im.img)
		im.data, im.img, im.Pix = 0, 0, nil
	}
}
