package ui

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// painter draws antialiased shapes and text into an RGBA image. All
// coordinates are device pixels; the layout scales logical ones.
type painter struct {
	img   *image.RGBA
	faces faceCache
	// clip limits every drawing (the chat history scrolls under it).
	clip image.Rectangle
	z    vector.Rasterizer
	mask image.Alpha
}

func (p *painter) setClip(r image.Rectangle) { p.clip = r.Intersect(p.img.Bounds()) }

func (p *painter) fill(r image.Rectangle, c color.RGBA) {
	draw.Draw(p.img, r.Intersect(p.clip), image.NewUniform(c), image.Point{}, draw.Src)
}

// roundRect fills r with rounded corners of radius rad, with a border of
// width bw (0 = none) in bc: the border is the outer shape, the fill the
// inset one, so both stay antialiased.
func (p *painter) roundRect(r image.Rectangle, rad, bw float32, fill, bc color.RGBA) {
	if bw > 0 {
		p.roundShape(r, rad, 0, bc)
		p.roundShape(r, rad-bw, bw, fill)
		return
	}
	p.roundShape(r, rad, 0, fill)
}

// roundShape fills r inset by in with corner radius rad.
func (p *painter) roundShape(r image.Rectangle, rad, in float32, c color.RGBA) {
	if r.Empty() {
		return
	}
	w, h := float32(r.Dx())-2*in, float32(r.Dy())-2*in
	rad = max(0, min(rad, w/2, h/2))
	p.z.Reset(r.Dx(), r.Dy())
	x0, y0, x1, y1 := in, in, in+w, in+h
	// k places cubic control points so each corner is close to a quarter
	// circle.
	k := rad * 0.4477
	p.z.MoveTo(x0+rad, y0)
	p.z.LineTo(x1-rad, y0)
	p.z.CubeTo(x1-k, y0, x1, y0+k, x1, y0+rad)
	p.z.LineTo(x1, y1-rad)
	p.z.CubeTo(x1, y1-k, x1-k, y1, x1-rad, y1)
	p.z.LineTo(x0+rad, y1)
	p.z.CubeTo(x0+k, y1, x0, y1-k, x0, y1-rad)
	p.z.LineTo(x0, y0+rad)
	p.z.CubeTo(x0, y0+k, x0+k, y0, x0+rad, y0)
	p.z.ClosePath()
	// The rasterizer does not clip, so it draws a mask that DrawMask
	// then applies within the clip.
	n := r.Dx() * r.Dy()
	if cap(p.mask.Pix) < n {
		p.mask.Pix = make([]uint8, n)
	}
	p.mask.Pix = p.mask.Pix[:n]
	clear(p.mask.Pix)
	p.mask.Stride, p.mask.Rect = r.Dx(), image.Rect(0, 0, r.Dx(), r.Dy())
	p.z.Draw(&p.mask, p.mask.Rect, image.Opaque, image.Point{})
	dr := r.Intersect(p.clip)
	draw.DrawMask(p.img, dr, image.NewUniform(c), image.Point{}, &p.mask, dr.Min.Sub(r.Min), draw.Over)
}

// circle fills a disc of radius rad around (cx, cy).
func (p *painter) circle(cx, cy, rad float32, c color.RGBA) {
	x0, y0 := int(math.Floor(float64(cx-rad))), int(math.Floor(float64(cy-rad)))
	x1, y1 := int(math.Ceil(float64(cx+rad))), int(math.Ceil(float64(cy+rad)))
	r := image.Rect(x0, y0, x1, y1)
	d := float32(x1-x0) / 2
	p.roundShape(r, d, (float32(r.Dx())-2*rad)/2, c)
}

// text draws s with its baseline at y, clipped to clip.
func (p *painter) text(f font.Face, x, y int, s string, c color.RGBA, clip image.Rectangle) {
	d := font.Drawer{
		Dst:  p.img.SubImage(clip.Intersect(p.clip)).(*image.RGBA),
		Src:  image.NewUniform(c),
		Face: f,
		Dot:  fixed.P(x, y),
	}
	d.DrawString(s)
}
