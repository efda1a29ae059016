package stream

import (
	"bytes"
	"image/color"
	"testing"

	"github.com/tetherhq/tether/capture"
)

// pipeline runs frames through Encoder and Decoder like agent and viewer.
type pipeline struct {
	tb  testing.TB
	enc *Encoder
	dec *Decoder
	dif *tileDiffer
	seq uint32
}

func newPipeline(tb testing.TB, first *capture.Frame) *pipeline {
	enc, err := NewEncoder(first.Width, first.Height)
	if err != nil {
		tb.Fatal(err)
	}
	dec, err := NewDecoder()
	if err != nil {
		tb.Fatal(err)
	}
	p := &pipeline{tb: tb, enc: enc, dec: dec, dif: &tileDiffer{tile: 64}}
	if _, err := dec.Handle(screenFor(first).Append(nil)); err != nil {
		tb.Fatal(err)
	}
	return p
}

// send encodes f (full or the differ's damage), decodes it and returns the
// message.
func (p *pipeline) send(f *capture.Frame, full bool) ([]byte, EncodeStats) {
	p.tb.Helper()
	damage := p.dif.Diff(f)
	p.seq++
	msg, st, err := p.enc.Encode(nil, f, damage, full, p.seq, 1)
	if err != nil {
		p.tb.Fatal(err)
	}
	if _, err := p.dec.Handle(msg); err != nil {
		p.tb.Fatal(err)
	}
	return msg, st
}

func TestLosslessRoundTrip(t *testing.T) {
	before := loadFrame(t, "xterm-before.png")
	after := loadFrame(t, "xterm-after.png")
	p := newPipeline(t, before)
	p.enc.Lossless = true
	msg, _ := p.send(before, true)
	if !bytes.Equal(p.dec.Image().Pix, rgbaOf(before).Pix) {
		t.Fatal("full frame did not round-trip")
	}
	t.Logf("full xterm frame: %d bytes", len(msg))
	msg, st := p.send(after, false)
	if !bytes.Equal(p.dec.Image().Pix, rgbaOf(after).Pix) {
		t.Fatal("typed line did not round-trip")
	}
	t.Logf("typed line: %d bytes on the wire, stats %+v", len(msg), st)
	if len(msg) > 3000 {
		t.Errorf("typed line costs %d bytes, target is 3000", len(msg))
	}
}

func TestJPEGForPhotoAndXorExactness(t *testing.T) {
	desk := desktopFrame(t)
	p := newPipeline(t, desk)
	_, st := p.send(desk, true)
	if st.Rects[CodecJPEG] == 0 || st.Rects[CodecZstd] == 0 {
		t.Fatalf("desktop frame should mix JPEG and zstd: %+v", st)
	}
	// Text area must be exact even when the photo is lossy.
	got, want := p.dec.Image(), rgbaOf(desk)
	for y := 0; y < 600; y++ {
		row := y * got.Stride
		if !bytes.Equal(got.Pix[row:row+900*4], want.Pix[row:row+900*4]) {
			t.Fatalf("text area differs at row %d", y)
		}
	}
	// Change a pixel inside the photo and one in the text: the photo
	// block must not be XOR-coded against JPEG pixels, and the decoder
	// must stay exact wherever the encoder believes it is lossless.
	next := cloneFrame(desk)
	next.Pix[300*next.Stride+1200*4] ^= 0xFF
	next.Pix[20*next.Stride+20*4] ^= 0xFF
	p.enc.Lossless = true
	p.send(next, false)
	checkLossless(t, p.enc, p.dec, next)
}

// checkLossless compares decoder and source wherever the encoder's lossy
// map says the viewer holds exact pixels.
func checkLossless(t *testing.T, enc *Encoder, dec *Decoder, f *capture.Frame) {
	t.Helper()
	want := rgbaOf(f)
	for y := 0; y < f.Height; y++ {
		for x := 0; x < f.Width; x++ {
			if enc.lossy[(y/lossTile)*enc.tw+x/lossTile] {
				continue
			}
			i := y*want.Stride + x*4
			if !bytes.Equal(want.Pix[i:i+4], dec.Image().Pix[i:i+4]) {
				t.Fatalf("pixel %d,%d: got %v want %v", x, y, dec.Image().Pix[i:i+4], want.Pix[i:i+4])
			}
		}
	}
}

func TestLossyRefine(t *testing.T) {
	desk := desktopFrame(t)
	p := newPipeline(t, desk)
	p.send(desk, true)
	lossy := p.enc.LossyRects()
	if len(lossy) == 0 {
		t.Fatal("no lossy regions after a JPEG frame")
	}
	for i := 0; i < 20; i++ {
		msg, st, ok, err := p.enc.EncodeRefine(nil, refinePixels, uint32(10+i), 1)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if st.Rects[CodecJPEG] != 0 {
			t.Fatalf("refinement used JPEG: %+v", st)
		}
		if _, err := p.dec.Handle(msg); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(p.enc.LossyRects()); n != 0 {
		t.Fatalf("%d lossy regions left after refinement", n)
	}
	if !bytes.Equal(p.dec.Image().Pix, rgbaOf(desk).Pix) {
		t.Fatal("refined frame is not exact")
	}
}

func TestTightenBands(t *testing.T) {
	f := loadFrame(t, "xterm-before.png")
	enc, _ := NewEncoder(f.Width, f.Height)
	enc.Encode(nil, f, nil, true, 1, 0)
	g := cloneFrame(f)
	g.Pix[10*g.Stride+10*4] = 1
	g.Pix[100*g.Stride+500*4] = 1
	rs := enc.tighten(nil, g, capture.Rect{W: f.Width, H: f.Height})
	want := []capture.Rect{{X: 10, Y: 10, W: 1, H: 1}, {X: 500, Y: 100, W: 1, H: 1}}
	if len(rs) != 2 || rs[0] != want[0] || rs[1] != want[1] {
		t.Fatalf("tighten = %v, want %v", rs, want)
	}
}

// The real differ must fit the Sender's interface.
var _ Differ = (*capture.Differ)(nil)

func TestTypedLineWithCaptureDiffer(t *testing.T) {
	before, after := loadFrame(t, "xterm-before.png"), loadFrame(t, "xterm-after.png")
	d := capture.NewDiffer(64)
	d.Diff(before)
	damage := d.Diff(after)
	enc, _ := NewEncoder(before.Width, before.Height)
	enc.Encode(nil, before, nil, true, 1, 0)
	msg, _, err := enc.Encode(nil, after, damage, false, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("capture.Differ: %d rects, typed line %d bytes", len(damage), len(msg))
	if len(msg) > 3000 {
		t.Errorf("typed line costs %d bytes, target 3000", len(msg))
	}
}

// TestYCbCr420MatchesStdlib checks the JPEG input conversion against
// color.RGBToYCbCr (luma exactly, chroma as the 2x2 average within 1).
func TestYCbCr420MatchesStdlib(t *testing.T) {
	const w, h = 37, 23 // odd sizes exercise the edge pixels
	f := &capture.Frame{Width: w, Height: h, Stride: w*4 + 8, Pix: make([]byte, (w*4+8)*h)}
	for i := range f.Pix {
		f.Pix[i] = byte(i*131 + i/7)
	}
	r := capture.Rect{X: 3, Y: 2, W: 30, H: 19}
	img := toYCbCr420(nil, f.Pix, f.Stride, r)
	for y := 0; y < r.H; y++ {
		for x := 0; x < r.W; x++ {
			b, g, rr := f.At(r.X+x, r.Y+y)
			wantY, _, _ := color.RGBToYCbCr(rr, g, b)
			if got := img.Y[y*img.YStride+x]; got != wantY {
				t.Fatalf("Y(%d,%d)=%d want %d", x, y, got, wantY)
			}
		}
	}
	for cy := 0; cy < (r.H+1)/2; cy++ {
		for cx := 0; cx < (r.W+1)/2; cx++ {
			var sr, sg, sb int
			for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				x, y := min(2*cx+d[0], r.W-1), min(2*cy+d[1], r.H-1)
				b, g, rr := f.At(r.X+x, r.Y+y)
				sr, sg, sb = sr+int(rr), sg+int(g), sb+int(b)
			}
			_, wcb, wcr := color.RGBToYCbCr(uint8((sr+2)/4), uint8((sg+2)/4), uint8((sb+2)/4))
			gcb, gcr := img.Cb[cy*img.CStride+cx], img.Cr[cy*img.CStride+cx]
			if absDiff(gcb, wcb) > 1 || absDiff(gcr, wcr) > 1 {
				t.Fatalf("CbCr(%d,%d)=%d,%d want %d,%d", cx, cy, gcb, gcr, wcb, wcr)
			}
		}
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
