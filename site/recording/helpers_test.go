package recording

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/tetherhq/tether/capture"
	"github.com/tetherhq/tether/internal/clock"
	"github.com/tetherhq/tether/stream"
)

// testManager is a Manager on a temporary directory with a fake clock.
func testManager(t *testing.T, mod func(*Options)) (*Manager, *clock.Fake) {
	t.Helper()
	fc := clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	o := Options{Dir: t.TempDir(), Clock: fc}
	if mod != nil {
		mod(&o)
	}
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(t.Context()) })
	return m, fc
}

// readAll reads a session's file back: the reader and every record.
func readAll(t *testing.T, m *Manager, id string) (*Reader, []Record) {
	t.Helper()
	return readFile(t, m.Path(id))
}

// readFile reads a recording file back: the reader and every record.
func readFile(t *testing.T, path string) (*Reader, []Record) {
	t.Helper()
	rd, c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var out []Record
	for rec, err := range rd.Records() {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return rd, out
}

// waitClosed releases s and waits for its file to be closed.
func waitClosed(t *testing.T, m *Manager, s *Session) {
	t.Helper()
	s.Release()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the recording was not closed")
	}
	for m.Active(s.id) {
		time.Sleep(time.Millisecond)
	}
}

// screen is a synthetic remote screen encoded with the agent's own
// encoder (stream package), lossless so decoders agree bit for bit.
type screen struct {
	t   testing.TB
	f   *capture.Frame
	enc *stream.Encoder
	seq uint32
}

func newScreen(t testing.TB, w, h int) *screen {
	f := &capture.Frame{Width: w, Height: h, Stride: w * 4, Pix: make([]byte, w*h*4)}
	for i := range f.Pix {
		f.Pix[i] = byte(i*7 + i/4099)
	}
	enc, err := stream.NewEncoder(w, h)
	if err != nil {
		t.Fatal(err)
	}
	enc.Lossless = true
	return &screen{t: t, f: f, enc: enc}
}

func (s *screen) screenMsg() []byte {
	sc := &stream.Screen{Version: stream.Version, Width: s.f.Width, Height: s.f.Height,
		Displays: []capture.Display{{Name: "test", Width: s.f.Width, Height: s.f.Height, Primary: true}}}
	return sc.Append(nil)
}

func (s *screen) encode(damage []capture.Rect, full bool) []byte {
	s.seq++
	b, _, err := s.enc.Encode(nil, s.f, damage, full, s.seq, uint64(time.Now().UnixMicro()))
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

// full is a full frame of the current screen.
func (s *screen) full() []byte { return s.encode(nil, true) }

// typeAt "types a character": paints a 8x16 cell at step i and returns the
// delta frame.
func (s *screen) typeAt(i int) []byte {
	cols := s.f.Width / 8
	r := capture.Rect{X: (i % cols) * 8, Y: (i / cols * 16) % (s.f.Height - 16), W: 8, H: 16}
	for y := r.Y; y < r.Y+r.H; y++ {
		for x := r.X; x < r.X+r.W; x++ {
			o := y*s.f.Stride + x*4
			s.f.Pix[o], s.f.Pix[o+1], s.f.Pix[o+2] = byte(i), byte(x^y), byte(i*31)
		}
	}
	return s.encode([]capture.Rect{r}, false)
}

// slowWriter blocks every write until release is closed: a stuck disk.
type slowWriter struct {
	w       io.Writer
	release chan struct{}
}

func (s *slowWriter) Write(p []byte) (int, error) {
	<-s.release
	return s.w.Write(p)
}

// The index and reader as the tests (and the player, in JavaScript) use
// them; the site itself only writes recordings and serves them whole.

// Seek returns the last entry of stream at or before t.
func (ix *Index) Seek(stream uint16, t time.Duration) (IndexEntry, bool) {
	var best IndexEntry
	found := false
	for _, e := range ix.Entries {
		if e.Stream == stream && e.Time <= t {
			best, found = e, true
		}
	}
	return best, found
}

// RecordAt reads the record at off (an offset from the index).
func (rd *Reader) RecordAt(off int64) (Record, error) {
	if off < rd.First || off >= rd.End {
		return Record{}, formatErr("no record at %d", off)
	}
	rec, err := rd.recordAt(off, rd.End)
	if errors.Is(err, errShort) {
		return rec, formatErr("record at %d cut short", off)
	}
	return rec, err
}

// keyframes counts a stream's index entries .
func (ix *Index) keyframes(stream uint16) int {
	n := 0
	for _, e := range ix.Entries {
		if e.Stream == stream {
			n++
		}
	}
	return n
}

// playLinear plays every view record of recs from the start, a decoder
// per stream, and calls at after each with the record, its index in recs
// and its stream's decoder: the picture a seek there must give.
func playLinear(t *testing.T, recs []Record, at func(i int, r Record, linear *stream.Decoder)) {
	t.Helper()
	linear := map[uint16]*stream.Decoder{}
	for i, r := range recs {
		if r.Kind != KindViewOut {
			continue
		}
		if linear[r.Stream] == nil {
			linear[r.Stream] = newDecoder(t)
		}
		apply(t, linear[r.Stream], r.Payload)
		at(i, r, linear[r.Stream])
	}
}
