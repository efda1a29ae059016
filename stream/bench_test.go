package stream

import (
	"testing"
	"time"

	"github.com/tetherhq/tether/capture"
)

// BenchmarkTypedLine: one line typed in an xterm (real Xvfb pixels),
// damage as a 64-px tile differ reports it. wire-B is the message size.
func BenchmarkTypedLine(b *testing.B) {
	before, after := loadFrame(b, "xterm-before.png"), loadFrame(b, "xterm-after.png")
	d := &tileDiffer{tile: 64}
	d.Diff(before)
	damage := d.Diff(after)
	enc, _ := NewEncoder(before.Width, before.Height)
	var msg []byte
	for b.Loop() {
		b.StopTimer()
		enc.Encode(msg[:0], before, nil, true, 1, 0)
		b.StartTimer()
		msg, _, _ = enc.Encode(msg[:0], after, damage, false, 2, 0)
	}
	b.ReportMetric(float64(len(msg)), "wire-B")
	b.ReportMetric(float64(len(damage)), "tiles")
}

// BenchmarkFullFrame: a 1080p desktop (xterm text + photo + task bar),
// full frame with the automatic choice and with each codec forced. XOR is
// measured against the same desktop before the line was typed, over the
// whole screen (no tightening).
func BenchmarkFullFrame(b *testing.B) {
	desk := desktopFrame(b)
	prevDesk := desktopFrameFrom(b, "xterm-before.png")
	for _, c := range []struct {
		name     string
		force    int
		lossless bool
	}{{"auto", 0, false}, {"auto-lossless", 0, true}, {"zstd", 1 + int(CodecZstd), false},
		{"xor-zstd", 1 + int(CodecXorZstd), false}, {"jpeg", 1 + int(CodecJPEG), false}} {
		b.Run(c.name, func(b *testing.B) {
			enc, _ := NewEncoder(desk.Width, desk.Height)
			enc.Lossless = c.lossless
			var msg []byte
			var st EncodeStats
			for b.Loop() {
				if c.force == 1+int(CodecXorZstd) {
					b.StopTimer()
					enc.force = 0
					enc.Lossless = true
					enc.Encode(msg[:0], prevDesk, nil, true, 1, 0)
					enc.force = c.force
					b.StartTimer()
					msg, st, _ = enc.encodeRects(msg[:0], desk, splitBlocks(nil, capture.Rect{W: desk.Width, H: desk.Height}), false, 2, 0)
					continue
				}
				enc.force = c.force
				msg, st, _ = enc.Encode(msg[:0], desk, nil, true, 1, 0)
			}
			b.ReportMetric(float64(len(msg)), "wire-B")
			b.ReportMetric(float64(st.Rects[CodecJPEG]+st.Rects[CodecJPEGHalf]), "jpeg-rects")
		})
	}
}

func desktopFrameFrom(tb testing.TB, name string) *capture.Frame {
	base := loadFrame(tb, name)
	desk := desktopFrame(tb)
	// Same photo and task bar, text area from the other fixture.
	for y := 0; y < 1040; y++ {
		copy(desk.Pix[y*desk.Stride:y*desk.Stride+1000*4], base.Pix[y*base.Stride:])
	}
	return desk
}

// BenchmarkDecode: Go reference decoder on a full desktop frame and on a
// typed line.
func BenchmarkDecode(b *testing.B) {
	desk := desktopFrame(b)
	enc, _ := NewEncoder(desk.Width, desk.Height)
	full, _, _ := enc.Encode(nil, desk, nil, true, 1, 0)
	before, after := loadFrame(b, "xterm-before.png"), loadFrame(b, "xterm-after.png")
	enc.Encode(nil, before, nil, true, 2, 0)
	line, _, _ := enc.Encode(nil, after, []capture.Rect{{W: 1920, H: 1080}}, false, 3, 0)
	scr := screenFor(desk).Append(nil)
	for _, c := range []struct {
		name string
		msg  []byte
	}{{"full-desktop", full}, {"typed-line", line}} {
		b.Run(c.name, func(b *testing.B) {
			d, _ := NewDecoder()
			d.Handle(scr)
			b.SetBytes(int64(len(c.msg)))
			for b.Loop() {
				if _, err := d.Handle(c.msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFullScreenMotion: every pixel of a 1080p screen changes each
// frame with smooth, photo-like content (a moving colour field, like video
// or a panning image). Reports frames per second the encoder sustains on
// the cores given by -cpu (run with -cpu 1 for the one-core target).
func BenchmarkFullScreenMotion(b *testing.B) {
	const w, h = 1920, 1080
	frames := make([]*capture.Frame, 8)
	for i := range frames {
		f := &capture.Frame{Width: w, Height: h, Stride: w * 4, Pix: make([]byte, w*h*4)}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				o := y*f.Stride + x*4
				f.Pix[o] = byte((x + 7*i) * 255 / w)
				f.Pix[o+1] = byte((y + 5*i) * 255 / h)
				f.Pix[o+2] = byte(((x+y)/3 + 11*i) & 0xFF)
			}
		}
		frames[i] = f
	}
	enc, _ := NewEncoder(w, h)
	all := []capture.Rect{{W: w, H: h}}
	var msg []byte
	var st EncodeStats
	start := time.Now()
	n := 0
	for b.Loop() {
		msg, st, _ = enc.Encode(msg[:0], frames[n%len(frames)], all, false, uint32(n), 0)
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "fps")
	b.ReportMetric(float64(len(msg)), "wire-B")
	b.ReportMetric(float64(st.Rects[CodecJPEG]+st.Rects[CodecJPEGHalf]), "jpeg-rects")
}
