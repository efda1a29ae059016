package recording

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetherhq/tether/stream"
)

// TestSeekFromKeyframes is the seeking design end to end: a view recorded
// while the Stream asks for full frames (answered the way the agent
// answers a refresh) is decoded with the agent protocol's own decoder
// (stream.Decoder) two ways — every record from the start up to t, and
// from the index's last full frame before t after its screen and state —
// and both must give the same picture at every t.
func TestSeekFromKeyframes(t *testing.T) {
	m, _ := testManager(t, func(o *Options) { o.KeyframeEvery, o.KeyframeBytes = 5*time.Millisecond, 2000 })
	s := m.Open(Meta{Session: "seek"})
	sc := newScreen(t, 320, 200)
	var wantFull atomic.Bool
	v := s.Stream(StreamInfo{Kind: "view"}, func() { wantFull.Store(true) })
	v.FromAgent(false, sc.screenMsg())
	v.FromAgent(false, stream.State{ControlAllowed: true}.Append(nil))
	v.FromAgent(false, sc.full())
	for i := range 300 {
		v.FromAgent(false, sc.typeAt(i))
		if wantFull.Swap(false) { // the agent answers the refresh
			v.FromAgent(false, sc.full())
		}
		if i%10 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	v.Close("done")
	waitClosed(t, m, s)
	rd, recs := readAll(t, m, "seek")
	if n := rd.Index.keyframes(1); n < 4 {
		t.Fatalf("only %d full frames in the index: the view was not asked for more", n)
	}
	playLinear(t, recs, func(i int, r Record, linear *stream.Decoder) {
		// The state at t is after every record at or before t.
		if i+1 < len(recs) && recs[i+1].Time == r.Time || i%7 != 0 {
			return
		}
		seeked := seekTo(t, rd, recs, 1, r.Time)
		if !bytes.Equal(seeked.Image().Pix, linear.Image().Pix) {
			t.Fatalf("at %v: the picture from the keyframe differs from the one played from the start", r.Time)
		}
	})
}

func newDecoder(t *testing.T) *stream.Decoder {
	d, err := stream.NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func apply(t *testing.T, d *stream.Decoder, b []byte) {
	t.Helper()
	if _, err := d.Handle(b); err != nil {
		t.Fatal(err)
	}
}

// seekTo is what a player does: the index entry of view stream sn before
// tm, its screen and state, the full frame, then the stream's records up
// to tm.
func seekTo(t *testing.T, rd *Reader, recs []Record, sn uint16, tm time.Duration) *stream.Decoder {
	t.Helper()
	e, ok := rd.Index.Seek(sn, tm)
	if !ok {
		t.Fatalf("no full frame before %v", tm)
	}
	d := newDecoder(t)
	for _, off := range []int64{e.Screen, e.State} {
		r, err := rd.RecordAt(off)
		if err != nil {
			t.Fatal(err)
		}
		apply(t, d, r.Payload)
	}
	for _, r := range recs {
		if r.Offset >= e.Frame && r.Time <= tm && r.Kind == KindViewOut && r.Stream == sn {
			apply(t, d, r.Payload)
		}
	}
	return d
}
