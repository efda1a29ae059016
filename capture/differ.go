package capture

import "bytes"

// DefaultTile is the tile edge used by [NewDiffer] when given 0: 64x64 px is
// small enough that a blinking cursor costs one 16 KiB tile, and large
// enough that a full-screen change yields few rectangles after merging.
const DefaultTile = 64

// Differ finds the regions of a frame that changed since the previous one.
//
// It keeps its own packed copy of the last frame, so frames may alias
// backend buffers that are overwritten by the next Grab.
//
// All four bytes of each pixel are compared, including the unused X byte:
// every backend writes a constant there (see [Frame]), so it never causes a
// false change as long as one Differ is fed by one backend. Call [Differ.Reset]
// when switching backends.
//
// A Differ is not safe for concurrent use.
type Differ struct {
	tile  int
	w, h  int
	valid bool
	prev  []byte // last frame, rows packed at w*4 bytes
	dirty []bool // per tile column, for the tile row being scanned
	open  []int  // indexes into the result of rects that may grow downwards
	next  []int  // scratch for the next value of open
}

// NewDiffer returns a Differ working on tile x tile pixel squares;
// tile <= 0 selects [DefaultTile].
func NewDiffer(tile int) *Differ {
	if tile <= 0 {
		tile = DefaultTile
	}
	return &Differ{tile: tile}
}

// Reset forgets the previous frame: the next Diff reports the whole frame
// (used when a viewer joins and needs a key frame).
func (d *Differ) Reset() { d.valid = false }

// Diff compares f with the previous frame and returns the changed areas,
// then remembers f. It returns:
//   - the whole frame on the first call, after Reset, or when the size changed;
//   - nil when nothing changed;
//   - otherwise the changed tiles (clipped to the frame), merged first into
//     horizontal runs within a tile row, then vertically with runs of the
//     same columns in the rows below. Rects are in row-major order of their
//     top-left tile and never overlap.
//
// The cost is dominated by one row-by-row bytes.Equal pass over the frame;
// tiles are only examined in rows that differ.
func (d *Differ) Diff(f *Frame) []Rect {
	if f.Width <= 0 || f.Height <= 0 {
		return nil
	}
	if !d.valid || f.Width != d.w || f.Height != d.h {
		d.resize(f.Width, f.Height)
		d.copyAll(f)
		d.valid = true
		return []Rect{{0, 0, f.Width, f.Height}}
	}
	var rects []Rect
	d.open = d.open[:0]
	for ty := 0; ty < d.h; ty += d.tile {
		y1 := min(ty+d.tile, d.h)
		if !d.scanTileRow(f, ty, y1) {
			d.open = d.open[:0] // nothing can grow across an unchanged tile row
			continue
		}
		rects = d.mergeTileRow(rects, ty, y1-ty)
	}
	return rects
}

// resize prepares the buffers for a w x h frame.
func (d *Differ) resize(w, h int) {
	d.w, d.h = w, h
	if n := w * h * BytesPerPixel; cap(d.prev) >= n {
		d.prev = d.prev[:n]
	} else {
		d.prev = make([]byte, n)
	}
	cols := (w + d.tile - 1) / d.tile
	d.dirty = make([]bool, cols)
}

func (d *Differ) copyAll(f *Frame) {
	rowBytes := d.w * BytesPerPixel
	if f.Stride == rowBytes {
		copy(d.prev, f.Pix[:rowBytes*d.h])
		return
	}
	for y := range d.h {
		copy(d.prev[y*rowBytes:(y+1)*rowBytes], f.Pix[y*f.Stride:])
	}
}

// scanTileRow compares rows [y0, y1), marks the dirty tile columns, updates
// the copy of changed rows, and reports whether any row differed.
func (d *Differ) scanTileRow(f *Frame, y0, y1 int) bool {
	rowBytes := d.w * BytesPerPixel
	tileBytes := d.tile * BytesPerPixel
	clear(d.dirty)
	changed := false
	for y := y0; y < y1; y++ {
		cur := f.Pix[y*f.Stride : y*f.Stride+rowBytes]
		old := d.prev[y*rowBytes : (y+1)*rowBytes]
		if bytes.Equal(cur, old) {
			continue
		}
		changed = true
		for tx, x := 0, 0; x < rowBytes; tx, x = tx+1, x+tileBytes {
			if d.dirty[tx] {
				continue
			}
			end := min(x+tileBytes, rowBytes)
			if !bytes.Equal(cur[x:end], old[x:end]) {
				d.dirty[tx] = true
			}
		}
		copy(old, cur)
	}
	return changed
}

// mergeTileRow turns the dirty tile columns of the tile row starting at
// y (height h) into runs, extends the rects of the row above that cover
// exactly the same columns, and appends the others.
func (d *Differ) mergeTileRow(rects []Rect, y, h int) []Rect {
	d.next = d.next[:0]
	oi := 0 // d.open is sorted by X like the runs, so one forward scan suffices
	cols := len(d.dirty)
	for tx := 0; tx < cols; {
		if !d.dirty[tx] {
			tx++
			continue
		}
		start := tx
		for tx < cols && d.dirty[tx] {
			tx++
		}
		x0 := start * d.tile
		r := Rect{X: x0, Y: y, W: min(tx*d.tile, d.w) - x0, H: h}
		for oi < len(d.open) && rects[d.open[oi]].X < r.X {
			oi++
		}
		if oi < len(d.open) {
			if o := &rects[d.open[oi]]; o.X == r.X && o.W == r.W && o.Y+o.H == y {
				o.H += h
				d.next = append(d.next, d.open[oi])
				continue
			}
		}
		d.next = append(d.next, len(rects))
		rects = append(rects, r)
	}
	d.open, d.next = d.next, d.open
	return rects
}
