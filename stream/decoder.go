package stream

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"

	"github.com/klauspost/compress/zstd"
)

// Decoder is the reference viewer: it applies agent messages to an RGBA
// frame buffer exactly as stream.js does in the browser. Tests use it to
// check the encoder, tools to measure latency. Not safe for concurrent use.
type Decoder struct {
	// Screen is the last screen message, nil before the first one.
	Screen *Screen
	// State is the last state message.
	State State
	// Cursor is the last cursor message (Pix copied), nil before one.
	Cursor *Cursor
	// LastSeq is the sequence number of the last frame applied.
	LastSeq uint32

	fb   *image.RGBA
	zdec *zstd.Decoder
	buf  []byte
}

// NewDecoder returns a decoder waiting for a screen message.
func NewDecoder() (*Decoder, error) {
	// The cap limit makes DecodeAll stop at the rectangle's size, so a
	// zstd bomb cannot make us allocate more than the screen.
	z, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderMaxMemory(MaxDim*MaxDim*4))
	if err != nil {
		return nil, fmt.Errorf("stream: zstd decoder: %w", err)
	}
	return &Decoder{zdec: z}, nil
}

// Image returns the frame buffer (nil before the first screen message). It
// is updated in place by Handle.
func (d *Decoder) Image() *image.RGBA { return d.fb }

// Handle applies one agent message. It returns the decoded message (as
// DecodeAgentMessage does) so callers can ack frames.
func (d *Decoder) Handle(b []byte) (any, error) {
	m, err := DecodeAgentMessage(b)
	if err != nil {
		return nil, err
	}
	switch m := m.(type) {
	case *Screen:
		d.Screen = m
		if d.fb == nil || d.fb.Rect.Dx() != m.Width || d.fb.Rect.Dy() != m.Height {
			d.fb = image.NewRGBA(image.Rect(0, 0, m.Width, m.Height))
		}
	case *Frame:
		if err := d.applyFrame(m); err != nil {
			return nil, err
		}
	case State:
		d.State = m
	case *Cursor:
		c := *m
		c.Pix = bytes.Clone(m.Pix)
		if c.W == 0 && d.Cursor != nil { // position only: keep the shape
			c.HotX, c.HotY, c.W, c.H, c.Pix = d.Cursor.HotX, d.Cursor.HotY, d.Cursor.W, d.Cursor.H, d.Cursor.Pix
		}
		d.Cursor = &c
	}
	return m, nil
}

func (d *Decoder) applyFrame(f *Frame) error {
	if d.fb == nil {
		return malformed("frame before screen")
	}
	w, h := d.fb.Rect.Dx(), d.fb.Rect.Dy()
	for i, r := range f.Rects {
		if r.X+r.W > w || r.Y+r.H > h {
			return malformed("rect %d %+v outside %dx%d screen", i, r.Rect, w, h)
		}
		if err := d.applyRect(r); err != nil {
			return fmt.Errorf("rect %d (%v): %w", i, r.Codec, err)
		}
	}
	d.LastSeq = f.Seq
	return nil
}

func (d *Decoder) applyRect(r Rect) error {
	n := r.W * r.H * 3
	stride := d.fb.Stride
	if r.Codec == CodecJPEG || r.Codec == CodecJPEGHalf {
		return d.applyJPEG(r)
	}
	if cap(d.buf) < n {
		d.buf = make([]byte, 0, n)
	}
	out, err := d.zdec.DecodeAll(r.Data, d.buf[:0:n])
	if err != nil {
		return fmt.Errorf("%w: zstd: %v", ErrMalformed, err)
	}
	if len(out) != n {
		return malformed("zstd payload is %d bytes, want %d", len(out), n)
	}
	// Interleave the R, G, B planes into the RGBA frame buffer.
	np := r.W * r.H
	pr, pg, pb := out[:np], out[np:2*np], out[2*np:]
	xor := r.Codec == CodecXorZstd
	for y := 0; y < r.H; y++ {
		row := d.fb.Pix[(r.Y+y)*stride+r.X*4 : (r.Y+y)*stride+(r.X+r.W)*4]
		i := y * r.W
		for x := 0; x+3 < len(row); x += 4 {
			if xor {
				row[x] ^= pr[i]
				row[x+1] ^= pg[i]
				row[x+2] ^= pb[i]
			} else {
				row[x], row[x+1], row[x+2], row[x+3] = pr[i], pg[i], pb[i], 0xFF
			}
			i++
		}
	}
	return nil
}

func (d *Decoder) applyJPEG(r Rect) error {
	// Check the header first so a forged size cannot make the JPEG decoder
	// allocate a huge image.
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(r.Data))
	if err != nil {
		return fmt.Errorf("%w: jpeg: %v", ErrMalformed, err)
	}
	w, h := r.W, r.H
	if r.Codec == CodecJPEGHalf {
		w, h = (r.W+1)/2, (r.H+1)/2
	}
	if cfg.Width != w || cfg.Height != h {
		return malformed("jpeg is %dx%d, want %dx%d", cfg.Width, cfg.Height, w, h)
	}
	img, err := jpeg.Decode(bytes.NewReader(r.Data))
	if err != nil {
		return fmt.Errorf("%w: jpeg: %v", ErrMalformed, err)
	}
	if r.Codec == CodecJPEGHalf {
		// Nearest-neighbour upscale; browsers draw it smoothed.
		b := img.Bounds()
		for y := 0; y < r.H; y++ {
			for x := 0; x < r.W; x++ {
				d.fb.Set(r.X+x, r.Y+y, img.At(b.Min.X+x/2, b.Min.Y+y/2))
			}
		}
		return nil
	}
	dr := image.Rect(r.X, r.Y, r.X+r.W, r.Y+r.H)
	draw.Draw(d.fb, dr, img, img.Bounds().Min, draw.Src)
	return nil
}
