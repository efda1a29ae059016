package stream

import (
	"image"

	"github.com/tetherhq/tether/capture"
)

// toYCbCr420 converts rectangle r of a BGRX image into a 4:2:0 YCbCr image
// for image/jpeg. The encoder's YCbCr path only copies blocks, whereas its
// RGBA path converts every pixel of every 8x8 block through color.RGBToYCbCr;
// doing the conversion here, once, in a tight loop, and subsampling chroma
// as the JPEG stores it anyway, makes full-frame JPEG markedly cheaper.
func toYCbCr420(img *image.YCbCr, src []byte, stride int, r capture.Rect) *image.YCbCr {
	rect := image.Rect(0, 0, r.W, r.H)
	if img == nil || img.Rect != rect {
		img = image.NewYCbCr(rect, image.YCbCrSubsampleRatio420)
	}
	// Two rows at a time: each 2x2 block yields four lumas and the block's
	// average chroma, reading every source pixel once.
	for y := 0; y < r.H; y += 2 {
		y1 := min(y+1, r.H-1)
		row0 := src[(r.Y+y)*stride+r.X*4 : (r.Y+y)*stride+(r.X+r.W)*4]
		row1 := src[(r.Y+y1)*stride+r.X*4 : (r.Y+y1)*stride+(r.X+r.W)*4]
		l0 := img.Y[y*img.YStride : y*img.YStride+r.W]
		l1 := img.Y[y1*img.YStride : y1*img.YStride+r.W]
		cb := img.Cb[(y/2)*img.CStride : (y/2)*img.CStride+(r.W+1)/2]
		cr := img.Cr[(y/2)*img.CStride : (y/2)*img.CStride+(r.W+1)/2]
		for x := 0; x < r.W; x += 2 {
			x1 := min(x+1, r.W-1)
			b00, g00, r00 := int32(row0[4*x]), int32(row0[4*x+1]), int32(row0[4*x+2])
			b01, g01, r01 := int32(row0[4*x1]), int32(row0[4*x1+1]), int32(row0[4*x1+2])
			b10, g10, r10 := int32(row1[4*x]), int32(row1[4*x+1]), int32(row1[4*x+2])
			b11, g11, r11 := int32(row1[4*x1]), int32(row1[4*x1+1]), int32(row1[4*x1+2])
			// JFIF luma, fixed point 16.16 as in color.RGBToYCbCr.
			l0[x] = uint8((19595*r00 + 38470*g00 + 7471*b00 + 1<<15) >> 16)
			l0[x1] = uint8((19595*r01 + 38470*g01 + 7471*b01 + 1<<15) >> 16)
			l1[x] = uint8((19595*r10 + 38470*g10 + 7471*b10 + 1<<15) >> 16)
			l1[x1] = uint8((19595*r11 + 38470*g11 + 7471*b11 + 1<<15) >> 16)
			sr, sg, sb := r00+r01+r10+r11, g00+g01+g10+g11, b00+b01+b10+b11
			cb[x/2] = clamp8((-11056*sr - 21712*sg + 32768*sb + 257<<17) >> 18)
			cr[x/2] = clamp8((32768*sr - 27440*sg - 5328*sb + 257<<17) >> 18)
		}
	}
	return img
}

func clamp8(v int32) uint8 {
	if uint32(v) <= 255 {
		return uint8(v)
	}
	if v < 0 {
		return 0
	}
	return 255
}
