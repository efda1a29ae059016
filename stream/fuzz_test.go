package stream

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tetherhq/tether/capture"
)

type appender interface{ Append([]byte) []byte }

// seedMessages returns one valid message of every type.
func seedMessages(tb testing.TB) [][]byte {
	f := &capture.Frame{Width: 8, Height: 4, Stride: 32, Pix: bytes.Repeat([]byte{1, 2, 3, 0}, 32)}
	enc, err := NewEncoder(8, 4)
	if err != nil {
		tb.Fatal(err)
	}
	frame, _, _ := enc.Encode(nil, f, nil, true, 7, 123)
	f.Pix[5] = 9
	delta, _, _ := enc.Encode(nil, f, []capture.Rect{{W: 8, H: 4}}, false, 8, 124)
	scr := screenFor(f)
	cur := &Cursor{X: -3, Y: 4, Visible: true, HotX: 1, HotY: 1, W: 2, H: 2, Pix: make([]byte, 16)}
	return [][]byte{
		scr.Append(nil), frame, delta, cur.Append(nil), (&Cursor{X: 5, Y: 5}).Append(nil),
		State{ControlAllowed: true, NoDisplay: true}.Append(nil),
		Ack{Seq: 3, DecodeUS: 900}.Append(nil), MouseMove{X: 5, Y: 6}.Append(nil),
		MouseButton{Button: ButtonMiddle, Down: true}.Append(nil), Wheel{DX: -1, DY: 2}.Append(nil),
		Key{Code: "ShiftLeft", Down: true}.Append(nil), Text{S: "ok ✓"}.Append(nil),
		SelectDisplay{ID: 1}.Append(nil), Refresh{}.Append(nil), Quality{Quality: 60, MaxFPS: 15}.Append(nil),
	}
}

func addSeeds(f *testing.F) {
	for _, m := range seedMessages(f) {
		f.Add(m)
	}
}

// checkCanonical re-encodes an accepted message: two implementations can
// only agree on a strict decoder if every accepted message has one meaning.
func checkCanonical(t *testing.T, in []byte, m any, err error) {
	if err != nil {
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("error does not wrap ErrMalformed: %v", err)
		}
		return
	}
	a, ok := m.(appender)
	if !ok {
		t.Fatalf("%T has no Append", m)
	}
	if out := a.Append(nil); !bytes.Equal(out, in) {
		t.Fatalf("re-encoding differs:\n in % x\nout % x", in, out)
	}
}

func FuzzDecodeScreen(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeScreen(b)
		checkCanonical(t, b, m, err)
	})
}

func FuzzDecodeFrame(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeFrame(b)
		checkCanonical(t, b, m, err)
	})
}

func FuzzDecodeCursor(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeCursor(b)
		checkCanonical(t, b, m, err)
	})
}

func FuzzDecodeState(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeState(b)
		checkCanonical(t, b, m, err)
	})
}

func FuzzDecodeViewerMessage(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeViewerMessage(b)
		checkCanonical(t, b, m, err)
	})
}

// FuzzDecoder feeds a screen message and then arbitrary bytes to the frame
// buffer decoder, which also runs zstd and JPEG on the payloads.
func FuzzDecoder(f *testing.F) {
	addSeeds(f)
	scr := (&Screen{Version: Version, Width: 8, Height: 4, Displays: []capture.Display{{Width: 8, Height: 4}}}).Append(nil)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := NewDecoder()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Handle(scr); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Handle(b); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error does not wrap ErrMalformed: %v", err)
		}
	})
}

func TestSeedsDecode(t *testing.T) {
	for _, m := range seedMessages(t) {
		var v any
		var err error
		if m[0] < 0x10 {
			v, err = DecodeAgentMessage(m)
		} else {
			v, err = DecodeViewerMessage(m)
		}
		if err != nil {
			t.Fatalf("% x: %v", m, err)
		}
		checkCanonical(t, m, v, nil)
	}
}

func TestDecodersRejectTruncation(t *testing.T) {
	for _, m := range seedMessages(t) {
		for n := 0; n < len(m); n++ {
			var err error
			if m[0] < 0x10 {
				_, err = DecodeAgentMessage(m[:n])
			} else {
				_, err = DecodeViewerMessage(m[:n])
			}
			// Text and key codes are variable length: a shorter one can
			// still be valid.
			if err == nil && m[0] != byte(MsgText) && m[0] != byte(MsgKey) {
				t.Fatalf("% x truncated to %d accepted", m, n)
			}
		}
	}
}
