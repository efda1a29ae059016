package ui

import (
	"image"
)

// iconProperty is _NET_WM_ICON: the app icon at 16, 32 and 64 px as
// width, height, then ARGB pixels, so task bars do not show a blank one.
func iconProperty() []uint32 {
	var out []uint32
	for _, n := range []int{16, 32, 64} {
		img := drawIcon(n)
		out = append(out, uint32(n), uint32(n))
		for y := range n {
			for x := range n {
				c := img.RGBAAt(x, y)
				if c.A == 0 {
					out = append(out, 0)
					continue
				}
				// _NET_WM_ICON is not premultiplied.
				un := func(v uint8) uint32 { return uint32(v) * 255 / uint32(c.A) }
				out = append(out, uint32(c.A)<<24|un(c.R)<<16|un(c.G)<<8|un(c.B))
			}
		}
	}
	return out
}

// drawIcon draws the mark: a blue rounded square holding a white "T"
// over a red "sharing" dot.
func drawIcon(n int) *image.RGBA {
	p := painter{img: image.NewRGBA(image.Rect(0, 0, n, n)), faces: faceCache{}}
	p.setClip(p.img.Bounds())
	s := float32(n) / 32
	p.roundRect(p.img.Bounds(), 7*s, 0, colPrimary, colPrimary)
	bar := func(x0, y0, x1, y1 float32) {
		r := image.Rect(int(x0*s+0.5), int(y0*s+0.5), int(x1*s+0.5), int(y1*s+0.5))
		p.roundRect(r, 1.5*s, 0, colWhite, colWhite)
	}
	bar(7, 7, 25, 11.5)
	bar(13.75, 7, 18.25, 25)
	p.circle(24.5*s, 24.5*s, 4.5*s, colWhite)
	p.circle(24.5*s, 24.5*s, 3*s, colDotShare)
	return p.img
}
