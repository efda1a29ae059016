package capture

import (
	"slices"
	"testing"
)

// newTestFrame returns a w x h frame filled with one colour, with stride
// padding so that Differ's stride handling is exercised.
func newTestFrame(w, h, pad int) *Frame {
	stride := w*BytesPerPixel + pad
	f := &Frame{Width: w, Height: h, Stride: stride, Pix: make([]byte, stride*h)}
	for i := range f.Pix {
		f.Pix[i] = 0x20
	}
	return f
}

func setPixel(f *Frame, x, y int, b, g, r byte) {
	i := y*f.Stride + x*BytesPerPixel
	f.Pix[i], f.Pix[i+1], f.Pix[i+2] = b, g, r
}

func TestDiffer(t *testing.T) {
	type change struct{ x, y int }
	tests := []struct {
		name    string
		w, h    int
		tile    int
		changes []change
		want    []Rect
	}{
		{name: "no change", w: 200, h: 100, tile: 16, want: nil},
		{name: "single pixel", w: 200, h: 100, tile: 16,
			changes: []change{{17, 33}}, want: []Rect{{16, 32, 16, 16}}},
		{name: "pixel in clipped edge tile", w: 200, h: 100, tile: 16,
			changes: []change{{199, 99}}, want: []Rect{{192, 96, 8, 4}}},
		{name: "typed line merges horizontally", w: 200, h: 100, tile: 16,
			changes: []change{{1, 5}, {20, 5}, {40, 9}, {50, 5}},
			want:    []Rect{{0, 0, 64, 16}}},
		{name: "gap splits a line", w: 200, h: 100, tile: 16,
			changes: []change{{1, 5}, {40, 5}},
			want:    []Rect{{0, 0, 16, 16}, {32, 0, 16, 16}}},
		{name: "block merges vertically", w: 200, h: 100, tile: 16,
			changes: []change{{20, 20}, {40, 20}, {20, 40}, {40, 40}, {17, 50}, {47, 52}},
			want:    []Rect{{16, 16, 32, 48}}},
		{name: "different spans stay separate", w: 200, h: 100, tile: 16,
			changes: []change{{20, 20}, {40, 20}, {20, 40}},
			want:    []Rect{{16, 16, 32, 16}, {16, 32, 16, 16}}},
		{name: "unchanged tile row breaks vertical merge", w: 200, h: 100, tile: 16,
			changes: []change{{5, 5}, {5, 40}},
			want:    []Rect{{0, 0, 16, 16}, {0, 32, 16, 16}}},
		{name: "two columns grow independently", w: 200, h: 100, tile: 16,
			changes: []change{{5, 5}, {100, 5}, {5, 20}, {100, 20}},
			want:    []Rect{{0, 0, 16, 32}, {96, 0, 16, 32}}},
		{name: "default tile", w: 300, h: 200, tile: 0,
			changes: []change{{130, 70}}, want: []Rect{{128, 64, 64, 64}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDiffer(tc.tile)
			f := newTestFrame(tc.w, tc.h, 12)
			if got := d.Diff(f); !slices.Equal(got, []Rect{{0, 0, tc.w, tc.h}}) {
				t.Fatalf("first Diff = %v, want full frame", got)
			}
			for _, c := range tc.changes {
				setPixel(f, c.x, c.y, 1, 2, 3)
			}
			if got := d.Diff(f); !slices.Equal(got, tc.want) {
				t.Errorf("Diff = %v, want %v", got, tc.want)
			}
			// The Differ must have remembered the new contents.
			if got := d.Diff(f); got != nil {
				t.Errorf("Diff of identical frame = %v, want nil", got)
			}
		})
	}
}

func TestDifferIgnoresStridePadding(t *testing.T) {
	d := NewDiffer(16)
	f := newTestFrame(50, 20, 8)
	d.Diff(f)
	f.Pix[f.Stride-1] ^= 0xff // padding byte after row 0
	if got := d.Diff(f); got != nil {
		t.Errorf("Diff after padding change = %v, want nil", got)
	}
}

func TestDifferSizeChangeAndReset(t *testing.T) {
	d := NewDiffer(16)
	d.Diff(newTestFrame(100, 50, 0))
	if got := d.Diff(newTestFrame(80, 50, 0)); !slices.Equal(got, []Rect{{0, 0, 80, 50}}) {
		t.Errorf("after size change Diff = %v, want full frame", got)
	}
	f := newTestFrame(80, 50, 0)
	if got := d.Diff(f); got != nil {
		t.Errorf("same frame after size change = %v, want nil", got)
	}
	d.Reset()
	if got := d.Diff(f); !slices.Equal(got, []Rect{{0, 0, 80, 50}}) {
		t.Errorf("after Reset Diff = %v, want full frame", got)
	}
}

// TestDifferCoversAllChanges checks the invariant on random edits: every
// changed pixel is inside exactly one rect and rects never overlap.
func TestDifferCoversAllChanges(t *testing.T) {
	const w, h = 173, 91
	d := NewDiffer(8)
	f := newTestFrame(w, h, 4)
	d.Diff(f)
	seed := uint32(1)
	rnd := func(n int) int { seed = seed*1664525 + 1013904223; return int(seed>>8) % n }
	for round := range 50 {
		var pts [][2]int
		for range rnd(40) {
			x, y := rnd(w), rnd(h)
			setPixel(f, x, y, byte(round), byte(x), byte(y+1))
			pts = append(pts, [2]int{x, y})
		}
		rects := d.Diff(f)
		cover := make([]int, w*h)
		for _, r := range rects {
			if r.X < 0 || r.Y < 0 || r.W <= 0 || r.H <= 0 || r.X+r.W > w || r.Y+r.H > h {
				t.Fatalf("round %d: rect %v outside %dx%d", round, r, w, h)
			}
			for y := r.Y; y < r.Y+r.H; y++ {
				for x := r.X; x < r.X+r.W; x++ {
					cover[y*w+x]++
				}
			}
		}
		for _, c := range cover {
			if c > 1 {
				t.Fatalf("round %d: overlapping rects %v", round, rects)
			}
		}
		for _, p := range pts {
			if cover[p[1]*w+p[0]] != 1 {
				t.Fatalf("round %d: changed pixel %v not covered by %v", round, p, rects)
			}
		}
	}
}

// BenchmarkDiffer1080p measures Diff on a 1920x1080 frame that is unchanged
// (the common idle case: one bytes.Equal pass) and with one changed pixel
// row (a typed line: the tile scan of that row plus the merge).
func BenchmarkDiffer1080p(b *testing.B) {
	const w, h = 1920, 1080
	b.Run("unchanged", func(b *testing.B) {
		d := NewDiffer(0)
		f := newTestFrame(w, h, 0)
		d.Diff(f)
		b.SetBytes(w * h * BytesPerPixel)
		for b.Loop() {
			if r := d.Diff(f); r != nil {
				b.Fatal(r)
			}
		}
	})
	b.Run("oneline", func(b *testing.B) {
		d := NewDiffer(0)
		f := newTestFrame(w, h, 0)
		d.Diff(f)
		b.SetBytes(w * h * BytesPerPixel)
		row := f.Pix[500*f.Stride : 500*f.Stride+w*BytesPerPixel]
		for i := 0; b.Loop(); i++ {
			// Alternate the row contents so every iteration sees a change.
			for x := 0; x < len(row); x += BytesPerPixel {
				row[x] = byte(i)
			}
			if r := d.Diff(f); len(r) != 1 {
				b.Fatal(r)
			}
		}
	})
}
