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

// toYCbCr420Half converts rectangle r at half size in each direction
// (rounded up): every output luma is the average of a 2x2 block, every
// chroma sample the average of a 4x4 block.
func toYCbCr420Half(img *image.YCbCr, src []byte, stride int, r capture.Rect) *image.YCbCr {
	w, h := (r.W+1)/2, (r.H+1)/2
	rect := image.Rect(0, 0, w, h)
	if img == nil || img.Rect != rect {
		img = image.NewYCbCr(rect, image.YCbCrSubsampleRatio420)
	}
	for y := 0; y < h; y++ {
		y0, y1 := r.Y+2*y, r.Y+min(2*y+1, r.H-1)
		row0 := src[y0*stride+r.X*4 : y0*stride+(r.X+r.W)*4]
		row1 := src[y1*stride+r.X*4 : y1*stride+(r.X+r.W)*4]
		l := img.Y[y*img.YStride : y*img.YStride+w]
		for x := range l {
			a, b := 8*x, 4*min(2*x+1, r.W-1)
			sr := int32(row0[a+2]) + int32(row0[b+2]) + int32(row1[a+2]) + int32(row1[b+2])
			sg := int32(row0[a+1]) + int32(row0[b+1]) + int32(row1[a+1]) + int32(row1[b+1])
			sb := int32(row0[a]) + int32(row0[b]) + int32(row1[a]) + int32(row1[b])
			l[x] = uint8((19595*sr + 38470*sg + 7471*sb + 1<<17) >> 18)
		}
	}
	// Chroma from the already averaged source is not available as RGB, so
	// sample the source at the 4x4 block's centre pair of rows.
	for cy := 0; cy < (h+1)/2; cy++ {
		y0 := r.Y + min(4*cy+1, r.H-1)
		y1 := r.Y + min(4*cy+2, r.H-1)
		cb := img.Cb[cy*img.CStride : cy*img.CStride+(w+1)/2]
		cr := img.Cr[cy*img.CStride : cy*img.CStride+(w+1)/2]
		for cx := range cb {
			x0 := r.X + min(4*cx+1, r.W-1)
			x1 := r.X + min(4*cx+2, r.W-1)
			var sr, sg, sb int32
			for _, o := range [4]int{y0*stride + x0*4, y0*stride + x1*4, y1*stride + x0*4, y1*stride + x1*4} {
				sb += int32(src[o])
				sg += int32(src[o+1])
				sr += int32(src[o+2])
			}
			cb[cx] = clamp8((-11056*sr - 21712*sg + 32768*sb + 257<<17) >> 18)
			cr[cx] = clamp8((32768*sr - 27440*sg - 5328*sb + 257<<17) >> 18)
		}
	}
	return img
}
