package capture

import (
	"slices"
	"testing"
)

func TestAppendClipped(t *testing.T) {
	got := appendClipped(nil, winRect{-5, -5, 10, 10}, 100, 50)
	got = appendClipped(got, winRect{90, 40, 120, 70}, 100, 50)
	got = appendClipped(got, winRect{100, 0, 110, 10}, 100, 50) // outside
	got = appendClipped(got, winRect{10, 10, 10, 20}, 100, 50)  // empty
	want := []Rect{{0, 0, 10, 10}, {90, 40, 10, 10}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestCopyRect(t *testing.T) {
	const w, h, srcStride = 6, 4, 6*4 + 8 // a mapped texture's rows are padded
	src := make([]byte, srcStride*h)
	for i := range src {
		src[i] = byte(i)
	}
	dst := make([]byte, w*4*h)
	copyRect(dst, w*4, src, srcStride, Rect{2, 1, 3, 2})
	for y := range h {
		for x := range w {
			inside := x >= 2 && x < 5 && y >= 1 && y < 3
			for c := range 4 {
				got, want := dst[y*w*4+x*4+c], byte(0)
				if inside {
					want = src[y*srcStride+x*4+c]
				}
				if got != want {
					t.Fatalf("pixel %d,%d byte %d = %d, want %d", x, y, c, got, want)
				}
			}
		}
	}
}
