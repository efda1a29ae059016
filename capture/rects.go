package capture

// appendClipped appends r (a Win32 RECT: right and bottom exclusive)
// clipped to a w x h surface, dropping it when nothing is left. Damage
// rectangles from the system are trusted no further than that.
func appendClipped(rs []Rect, r winRect, w, h int) []Rect {
	x0, y0 := max(int(r.Left), 0), max(int(r.Top), 0)
	x1, y1 := min(int(r.Right), w), min(int(r.Bottom), h)
	if x1 <= x0 || y1 <= y0 {
		return rs
	}
	return append(rs, Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0})
}

// copyRect copies the pixels of r from src (rows of srcStride bytes) to dst
// (rows of dstStride bytes); r must lie inside both.
func copyRect(dst []byte, dstStride int, src []byte, srcStride int, r Rect) {
	n := r.W * BytesPerPixel
	for y := r.Y; y < r.Y+r.H; y++ {
		d := y*dstStride + r.X*BytesPerPixel
		s := y*srcStride + r.X*BytesPerPixel
		copy(dst[d:d+n], src[s:s+n])
	}
}
