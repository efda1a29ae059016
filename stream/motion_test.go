package stream

import (
	"testing"

	"github.com/tetherhq/tether/capture"
)

func colourField(w, h, shift int) *capture.Frame {
	f := &capture.Frame{Width: w, Height: h, Stride: w * 4, Pix: make([]byte, w*h*4)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			o := y*f.Stride + x*4
			f.Pix[o], f.Pix[o+1], f.Pix[o+2] = byte(x+shift), byte(y*2+shift), byte((x+y)/2)
		}
	}
	return f
}

// TestMotionGoesHalfSizeThenRefines: a frame where most of the screen moves
// with photo-like content is sent as half-size JPEG, which the decoder
// draws at full size close to the source; idle refinement then makes the
// viewer's pixels exact.
func TestMotionGoesHalfSizeThenRefines(t *testing.T) {
	const w, h = 640, 480
	enc, _ := NewEncoder(w, h)
	dec, _ := NewDecoder()
	scr := &Screen{Version: Version, Width: w, Height: h, Displays: []capture.Display{{Width: w, Height: h, Primary: true}}}
	if _, err := dec.Handle(scr.Append(nil)); err != nil {
		t.Fatal(err)
	}
	first, _, _ := enc.Encode(nil, colourField(w, h, 0), nil, true, 1, 0)
	if _, err := dec.Handle(first); err != nil {
		t.Fatal(err)
	}
	moved := colourField(w, h, 40)
	msg, st, err := enc.Encode(nil, moved, []capture.Rect{{W: w, H: h}}, false, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Rects[CodecJPEGHalf] == 0 || st.Rects[CodecJPEG] != 0 {
		t.Fatalf("motion frame codecs: %+v", st.Rects)
	}
	if _, err := dec.Handle(msg); err != nil {
		t.Fatal(err)
	}
	if e := meanAbsErr(dec, moved); e > 12 {
		t.Fatalf("half-size JPEG too far from the source: mean error %.1f", e)
	}
	ref, _, ok, err := enc.EncodeRefine(nil, w*h, 3, 0)
	if err != nil || !ok {
		t.Fatalf("refine: %v %v", ok, err)
	}
	if _, err := dec.Handle(ref); err != nil {
		t.Fatal(err)
	}
	if e := meanAbsErr(dec, moved); e != 0 {
		t.Fatalf("after refinement: mean error %.2f", e)
	}
}

func meanAbsErr(d *Decoder, f *capture.Frame) float64 {
	img := d.Image()
	var sum, n int
	for y := 0; y < f.Height; y++ {
		for x := 0; x < f.Width; x++ {
			b, g, r := f.At(x, y)
			o := img.PixOffset(x, y)
			for i, v := range []byte{r, g, b} {
				dv := int(img.Pix[o+i]) - int(v)
				if dv < 0 {
					dv = -dv
				}
				sum += dv
				n++
			}
		}
	}
	return float64(sum) / float64(n)
}
