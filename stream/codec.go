package stream

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"slices"

	"github.com/klauspost/compress/zstd"
	"github.com/tetherhq/tether/capture"
)

// Tuning of the per-rectangle codec choice. The numbers come from the
// benchmarks in docs/BENCHMARKS.md ("Wire format").
const (
	// blockW x blockH splits large rectangles so that each block gets its
	// own codec: a browser window beside a photo should not be JPEG'd
	// whole. Wide blocks keep a typed line in one piece.
	blockW = 512
	blockH = 256
	// lossTile is the granularity at which the encoder remembers where the
	// viewer holds JPEG approximations (XOR is only exact elsewhere).
	lossTile = 16
	// jpegMinArea: below this many pixels JPEG headers and 8x8 block
	// artefacts cost more than they save.
	jpegMinArea = 128 * 128
	// photoColours: a sample of photoSamples pixels with at least this many
	// distinct colours is photo-like (text and UI use a few dozen).
	photoSamples = 1024
	photoColours = 300
	// gapRows: unchanged rows that split a damaged rectangle in two, so one
	// typed character and the clock in a corner do not become one big rect.
	gapRows = 8
	// DefaultJPEGQuality is where the adaptive quality starts.
	DefaultJPEGQuality = 75
	minJPEGQuality     = 30
	maxJPEGQuality     = 90
)

// EncodeStats describes one encoded frame, for adaptation and benchmarks.
type EncodeStats struct {
	Rects  [4]int // rectangles per codec
	Bytes  [4]int // payload bytes per codec
	Pixels int    // pixels sent
}

// Encoder turns damaged rectangles of captured frames into frame messages.
// It remembers what the viewer shows (ref) so it can send tight rectangles
// and XOR deltas. Not safe for concurrent use.
type Encoder struct {
	w, h   int
	ref    []byte // BGRX, stride w*4: source pixels of what the viewer shows
	lossy  []bool // per lossTile: viewer holds JPEG pixels, or nothing yet
	tw     int    // tiles per row in lossy
	zSmall *zstd.Encoder
	zLarge *zstd.Encoder
	planes []byte       // scratch: the rectangle as R, G, B planes
	xor    []byte       // scratch: planes XOR ref planes
	ycc    *image.YCbCr // scratch: the rectangle as YCbCr 4:2:0 for JPEG
	motion bool         // this frame is mostly motion: photo-like blocks go half size
	z1, z2 []byte       // scratch: compressed candidates
	jpg    bytes.Buffer

	// Quality is the JPEG quality (1..100) used for photo-like blocks.
	Quality int
	// Lossless forbids JPEG (viewer preference or a refinement pass).
	Lossless bool

	force int // benchmarks: 1+Codec to force one codec, 0 = choose
}

// NewEncoder returns an encoder for frames of w x h pixels; the first frame
// must be full.
func NewEncoder(w, h int) (*Encoder, error) {
	// Small rects (typing, cursors) are where the bytes-per-keystroke target
	// lives and they are cheap, so they get the stronger level; big blocks
	// get the faster one to bound full-frame latency.
	opts := []zstd.EOption{zstd.WithEncoderCRC(false), zstd.WithEncoderConcurrency(1),
		zstd.WithSingleSegment(true), zstd.WithZeroFrames(true)}
	small, err := zstd.NewWriter(nil, append(opts, zstd.WithEncoderLevel(zstd.SpeedBetterCompression))...)
	if err != nil {
		return nil, fmt.Errorf("stream: zstd encoder: %w", err)
	}
	large, err := zstd.NewWriter(nil, append(opts, zstd.WithEncoderLevel(zstd.SpeedDefault))...)
	if err != nil {
		return nil, fmt.Errorf("stream: zstd encoder: %w", err)
	}
	e := &Encoder{zSmall: small, zLarge: large, Quality: DefaultJPEGQuality}
	if err := e.Reset(w, h); err != nil {
		return nil, err
	}
	return e, nil
}

// Reset forgets what the viewer shows (new display, new size or a refresh
// request), so the next frame must be full.
func (e *Encoder) Reset(w, h int) error {
	if !validDim(w) || !validDim(h) {
		return fmt.Errorf("stream: screen size %dx%d out of range", w, h)
	}
	if e.w != w || e.h != h {
		e.w, e.h = w, h
		e.ref = make([]byte, w*h*4)
		e.tw = (w + lossTile - 1) / lossTile
		e.lossy = make([]bool, e.tw*((h+lossTile-1)/lossTile))
	}
	for i := range e.lossy {
		e.lossy[i] = true
	}
	return nil
}

// Size returns the frame size the encoder expects.
func (e *Encoder) Size() (w, h int) { return e.w, e.h }

// Encode appends a frame message to dst carrying the pixels of f inside
// damage (or all of f when full), and records them as shown by the viewer.
// Damage is shrunk to the pixels that really differ from what the viewer
// shows; when nothing does, the message holds zero rectangles and need not
// be sent (EncodeStats.Pixels == 0).
func (e *Encoder) Encode(dst []byte, f *capture.Frame, damage []capture.Rect, full bool,
	seq uint32, timeUS uint64) ([]byte, EncodeStats, error) {
	if f.Width != e.w || f.Height != e.h {
		return dst, EncodeStats{}, fmt.Errorf("stream: frame is %dx%d, encoder %dx%d", f.Width, f.Height, e.w, e.h)
	}
	if f.Stride < f.Width*4 || len(f.Pix) < (f.Height-1)*f.Stride+f.Width*4 {
		return dst, EncodeStats{}, fmt.Errorf("stream: frame buffer too short")
	}
	var rects []capture.Rect
	if full {
		e.Reset(e.w, e.h) // viewer content is unknown: no XOR
		rects = splitBlocks(nil, capture.Rect{W: e.w, H: e.h})
	} else {
		var tight []capture.Rect
		for _, d := range damage {
			if d = clip(d, e.w, e.h); d.W > 0 && d.H > 0 {
				tight = e.tighten(tight, f, d)
			}
		}
		for _, t := range mergeRects(tight) {
			rects = splitBlocks(rects, t)
		}
	}
	return e.encodeRects(dst, f, rects, full, seq, timeUS)
}

// Lossy reports whether the viewer holds JPEG pixels that EncodeRefine
// would re-send.
func (e *Encoder) Lossy() bool { return slices.Contains(e.lossy, true) }

// EncodeRefine appends a lossless frame re-sending up to maxPixels of the
// regions the viewer holds as JPEG, from the encoder's own copy of the
// source pixels; the agent calls it when the screen is idle so that a
// photo sharpens once it stops changing. ok is false when nothing is lossy.
func (e *Encoder) EncodeRefine(dst []byte, maxPixels int, seq uint32, timeUS uint64) (out []byte, st EncodeStats, ok bool, err error) {
	var rects []capture.Rect
	px := 0
	for _, r := range mergeRects(e.LossyRects()) {
		if px >= maxPixels {
			break
		}
		rects = splitBlocks(rects, r)
		px += r.W * r.H
	}
	if len(rects) == 0 {
		return dst, st, false, nil
	}
	lossless := e.Lossless
	e.Lossless = true
	defer func() { e.Lossless = lossless }()
	ref := &capture.Frame{Width: e.w, Height: e.h, Stride: e.w * 4, Pix: e.ref}
	out, st, err = e.encodeRects(dst, ref, rects, false, seq, timeUS)
	return out, st, err == nil, err
}

func (e *Encoder) encodeRects(dst []byte, f *capture.Frame, rects []capture.Rect, full bool,
	seq uint32, timeUS uint64) ([]byte, EncodeStats, error) {
	var st EncodeStats
	// Motion: a non-full frame whose changes cover most of the screen
	// (video, panning, dragging a big window). Photo-like blocks then go
	// as half-size JPEG to keep the frame rate; refinement sharpens them
	// when the motion stops.
	area := 0
	for _, r := range rects {
		area += r.W * r.H
	}
	e.motion = !full && !e.Lossless && area*2 >= e.w*e.h
	if len(rects) > MaxRects {
		// Pathological damage (thousands of scattered pixels): one rect
		// covering it all is cheaper than thousands of headers.
		rects = splitBlocks(nil, union(rects))
	}
	start := len(dst)
	dst = AppendFrameHeader(dst, seq, timeUS, full, len(rects))
	for _, r := range rects {
		var err error
		dst, err = e.encodeRect(dst, f, r, &st)
		if err != nil {
			return dst[:start], EncodeStats{}, err
		}
	}
	return dst, st, nil
}

// encodeRect appends one rectangle, choosing its codec.
func (e *Encoder) encodeRect(dst []byte, f *capture.Frame, r capture.Rect, st *EncodeStats) ([]byte, error) {
	px := r.W * r.H
	codec, data := CodecZstd, []byte(nil)
	if e.force != 0 {
		e.planes = toPlanar(e.planes[:0], f.Pix, f.Stride, r)
		return e.encodeForced(dst, f, r, Codec(e.force-1), st)
	}
	// Sample the frame itself: a photo-like block never needs its planes.
	if !e.Lossless && px >= jpegMinArea && photoLikeFrame(f, r) {
		codec = CodecJPEG
	} else {
		e.planes = toPlanar(e.planes[:0], f.Pix, f.Stride, r)
		z := e.zSmall
		if px > 128*128 {
			z = e.zLarge
		}
		e.z1 = z.EncodeAll(e.planes, e.z1[:0])
		data = e.z1
		if !e.anyLossy(r) {
			e.xor = toPlanar(e.xor[:0], e.ref, e.w*4, r)
			xorInto(e.xor, e.planes)
			e.z2 = z.EncodeAll(e.xor, e.z2[:0])
			if len(e.z2) < len(data) {
				codec, data = CodecXorZstd, e.z2
			}
		}
		// Poor lossless ratio on a big block: probably a photo or video
		// that the colour sample missed.
		if !e.Lossless && px >= jpegMinArea && len(data)*5 > px*3 {
			codec = CodecJPEG
		}
	}
	if codec == CodecJPEG {
		e.jpg.Reset()
		if e.motion {
			codec = CodecJPEGHalf
			e.ycc = toYCbCr420Half(e.ycc, f.Pix, f.Stride, r)
		} else {
			e.ycc = toYCbCr420(e.ycc, f.Pix, f.Stride, r)
		}
		if err := jpeg.Encode(&e.jpg, e.ycc, &jpeg.Options{Quality: e.Quality}); err != nil {
			return dst, fmt.Errorf("stream: jpeg encode: %w", err)
		}
		data = e.jpg.Bytes()
	}
	dst = AppendRect(dst, r, codec, data)
	st.Rects[codec]++
	st.Bytes[codec] += len(data)
	st.Pixels += px
	e.remember(f, r, codec == CodecJPEG || codec == CodecJPEGHalf)
	return dst, nil
}

// encodeForced encodes r with codec c, for benchmarks.
func (e *Encoder) encodeForced(dst []byte, f *capture.Frame, r capture.Rect, c Codec, st *EncodeStats) ([]byte, error) {
	var data []byte
	switch c {
	case CodecJPEG:
		e.jpg.Reset()
		e.ycc = toYCbCr420(e.ycc, f.Pix, f.Stride, r)
		if err := jpeg.Encode(&e.jpg, e.ycc, &jpeg.Options{Quality: e.Quality}); err != nil {
			return dst, fmt.Errorf("stream: jpeg encode: %w", err)
		}
		data = e.jpg.Bytes()
	case CodecXorZstd:
		e.xor = toPlanar(e.xor[:0], e.ref, e.w*4, r)
		xorInto(e.xor, e.planes)
		e.z2 = e.zLarge.EncodeAll(e.xor, e.z2[:0])
		data = e.z2
	default:
		e.z1 = e.zLarge.EncodeAll(e.planes, e.z1[:0])
		data = e.z1
	}
	st.Rects[c]++
	st.Bytes[c] += len(data)
	st.Pixels += r.W * r.H
	e.remember(f, r, c == CodecJPEG)
	return AppendRect(dst, r, c, data), nil
}

// remember copies the sent pixels into ref and updates the lossy map.
func (e *Encoder) remember(f *capture.Frame, r capture.Rect, lossy bool) {
	for y := r.Y; y < r.Y+r.H; y++ {
		copy(e.ref[(y*e.w+r.X)*4:(y*e.w+r.X+r.W)*4], f.Pix[y*f.Stride+r.X*4:])
	}
	x0, y0 := r.X/lossTile, r.Y/lossTile
	x1, y1 := (r.X+r.W-1)/lossTile, (r.Y+r.H-1)/lossTile
	for ty := y0; ty <= y1; ty++ {
		for tx := x0; tx <= x1; tx++ {
			if lossy {
				e.lossy[ty*e.tw+tx] = true
				continue
			}
			// A lossless rect only cleans tiles it covers completely.
			t := capture.Rect{X: tx * lossTile, Y: ty * lossTile, W: lossTile, H: lossTile}
			t = clip(t, e.w, e.h)
			if r.X <= t.X && r.Y <= t.Y && r.X+r.W >= t.X+t.W && r.Y+r.H >= t.Y+t.H {
				e.lossy[ty*e.tw+tx] = false
			}
		}
	}
}

func (e *Encoder) anyLossy(r capture.Rect) bool {
	for ty := r.Y / lossTile; ty <= (r.Y+r.H-1)/lossTile; ty++ {
		for tx := r.X / lossTile; tx <= (r.X+r.W-1)/lossTile; tx++ {
			if e.lossy[ty*e.tw+tx] {
				return true
			}
		}
	}
	return false
}

// LossyRects returns the regions where the viewer shows JPEG pixels, as
// rows of tiles, so an idle agent can refine them losslessly.
func (e *Encoder) LossyRects() []capture.Rect {
	var out []capture.Rect
	th := len(e.lossy) / e.tw
	for ty := 0; ty < th; ty++ {
		for tx := 0; tx < e.tw; {
			if !e.lossy[ty*e.tw+tx] {
				tx++
				continue
			}
			start := tx
			for tx < e.tw && e.lossy[ty*e.tw+tx] {
				tx++
			}
			r := capture.Rect{X: start * lossTile, Y: ty * lossTile, W: (tx - start) * lossTile, H: lossTile}
			out = append(out, clip(r, e.w, e.h))
		}
	}
	return out
}

// tighten shrinks d to the pixels that differ from ref, split into bands
// separated by at least gapRows unchanged rows. Lossy tiles are not
// treated specially: pixels unchanged at the source stay as they are.
func (e *Encoder) tighten(out []capture.Rect, f *capture.Frame, d capture.Rect) []capture.Rect {
	band, gap := capture.Rect{}, 0
	minX, maxX := 0, 0
	flush := func() {
		if band.H > 0 {
			band.X, band.W = minX, maxX-minX
			out = append(out, band)
		}
		band = capture.Rect{}
	}
	for y := d.Y; y < d.Y+d.H; y++ {
		cur := f.Pix[y*f.Stride+d.X*4 : y*f.Stride+(d.X+d.W)*4]
		old := e.ref[(y*e.w+d.X)*4 : (y*e.w+d.X+d.W)*4]
		lo, hi, changed := diffSpan(cur, old)
		if !changed {
			if band.H > 0 {
				if gap++; gap >= gapRows {
					flush()
				}
			}
			continue
		}
		lo, hi = lo+d.X, hi+d.X
		if band.H == 0 {
			band = capture.Rect{Y: y, H: 1}
			minX, maxX = lo, hi
		} else {
			band.H = y - band.Y + 1
			minX, maxX = min(minX, lo), max(maxX, hi)
		}
		gap = 0
	}
	flush()
	return out
}

// diffSpan returns the pixel range [lo, hi) where two BGRX rows differ,
// ignoring the meaningless fourth byte.
func diffSpan(a, b []byte) (lo, hi int, changed bool) {
	if bytes.Equal(a, b) {
		return 0, 0, false
	}
	n := len(a) / 4
	lo = -1
	for i := 0; i < n; i++ {
		if (binary.LittleEndian.Uint32(a[i*4:])^binary.LittleEndian.Uint32(b[i*4:]))&0xFFFFFF != 0 {
			lo = i
			break
		}
	}
	if lo < 0 {
		return 0, 0, false // only X bytes differ
	}
	for hi = n; hi > lo; hi-- {
		if (binary.LittleEndian.Uint32(a[hi*4-4:])^binary.LittleEndian.Uint32(b[hi*4-4:]))&0xFFFFFF != 0 {
			break
		}
	}
	return lo, hi, true
}

// toPlanar appends rectangle r of a BGRX image as three planes R, G, B of
// W*H bytes each. Separate planes compress about twice as well as
// interleaved RGBA on anti-aliased text (see BENCHMARKS.md), and the
// viewer interleaves them while copying into its frame buffer anyway.
func toPlanar(dst, src []byte, stride int, r capture.Rect) []byte {
	n := r.W * r.H
	if cap(dst) < 3*n {
		dst = make([]byte, 0, 3*n)
	}
	dst = dst[:3*n]
	pr, pg, pb := dst[:n], dst[n:2*n], dst[2*n:]
	o := 0
	for y := r.Y; y < r.Y+r.H; y++ {
		row := src[y*stride+r.X*4 : y*stride+(r.X+r.W)*4]
		for i := 0; i+3 < len(row); i += 4 {
			pb[o], pg[o], pr[o] = row[i], row[i+1], row[i+2]
			o++
		}
	}
	return dst
}

// xorInto sets dst[i] ^= src[i], eight bytes at a time.
func xorInto(dst, src []byte) {
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		binary.LittleEndian.PutUint64(dst[i:], binary.LittleEndian.Uint64(dst[i:])^binary.LittleEndian.Uint64(src[i:]))
	}
	for ; i < len(dst); i++ {
		dst[i] ^= src[i]
	}
}

// photoLikeFrame samples rectangle r of a BGRX frame and reports whether it
// has the colour variety of a photo or video rather than text and flat UI.
func photoLikeFrame(f *capture.Frame, r capture.Rect) bool {
	n := r.W * r.H
	step := max(1, n/photoSamples)
	// Fixed open-addressing set: no map allocation per block.
	var set [2048]uint32
	distinct := 0
	for i := 0; i < n && distinct < photoColours; i += step {
		o := (r.Y+i/r.W)*f.Stride + (r.X+i%r.W)*4
		v := uint32(f.Pix[o]) | uint32(f.Pix[o+1])<<8 | uint32(f.Pix[o+2])<<16 | 0xFF000000 // never 0: 0 marks empty
		h := (v * 2654435761) >> 21
		for set[h] != 0 && set[h] != v {
			h = (h + 1) & 2047
		}
		if set[h] == 0 {
			set[h] = v
			distinct++
		}
	}
	return distinct >= photoColours
}

func clip(r capture.Rect, w, h int) capture.Rect {
	x0, y0 := max(r.X, 0), max(r.Y, 0)
	x1, y1 := min(r.X+r.W, w), min(r.Y+r.H, h)
	if x1 <= x0 || y1 <= y0 {
		return capture.Rect{}
	}
	return capture.Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

func union(rs []capture.Rect) capture.Rect {
	if len(rs) == 0 {
		return capture.Rect{}
	}
	x0, y0, x1, y1 := rs[0].X, rs[0].Y, rs[0].X+rs[0].W, rs[0].Y+rs[0].H
	for _, r := range rs[1:] {
		x0, y0 = min(x0, r.X), min(y0, r.Y)
		x1, y1 = max(x1, r.X+r.W), max(y1, r.Y+r.H)
	}
	return capture.Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

// mergeRects joins rectangles whose union wastes few pixels: the differ
// reports a typed line as several tiles, and one rectangle (one zstd frame)
// compresses better and costs one header. Quadratic, so only for the short
// lists that interactive updates produce.
func mergeRects(rs []capture.Rect) []capture.Rect {
	if len(rs) < 2 || len(rs) > 256 {
		return rs
	}
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(rs); i++ {
			for j := i + 1; j < len(rs); j++ {
				u := union([]capture.Rect{rs[i], rs[j]})
				if u.W > blockW || u.H > blockH {
					continue
				}
				// Allow a little slack: a short row of blank pixels costs
				// less than a second header and zstd frame.
				if u.W*u.H <= (rs[i].W*rs[i].H+rs[j].W*rs[j].H)*5/4+256 {
					rs[i] = u
					rs = append(rs[:j], rs[j+1:]...)
					merged = true
					j--
				}
			}
		}
	}
	return rs
}

// splitBlocks appends r cut into blocks of at most blockW x blockH.
func splitBlocks(out []capture.Rect, r capture.Rect) []capture.Rect {
	for y := r.Y; y < r.Y+r.H; y += blockH {
		for x := r.X; x < r.X+r.W; x += blockW {
			out = append(out, capture.Rect{X: x, Y: y, W: min(blockW, r.X+r.W-x), H: min(blockH, r.Y+r.H-y)})
		}
	}
	return out
}
