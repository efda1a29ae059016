package cluster

import (
	"bytes"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	for _, f := range []frame{
		{kind: frameHello, node: "abcdefghijkl", payload: []byte(`{"s":3,"c":"x"}`)},
		{kind: frameData, flags: flagFromDialer, node: "n", tunnel: 1 << 40, seq: 7, payload: bytes.Repeat([]byte{0xff}, 100)},
		{kind: frameAck, node: "n", tunnel: 2, payload: make([]byte, 8)},
		{kind: framePresence, flags: flagSnapshot | flagReset | flagDone, node: "zz", seq: 9},
	} {
		got, err := decodeFrame(f.encode())
		if err != nil {
			t.Fatalf("%q: %v", f.kind, err)
		}
		if got.kind != f.kind || got.flags != f.flags || got.node != f.node || got.tunnel != f.tunnel || got.seq != f.seq || !bytes.Equal(got.payload, f.payload) {
			t.Fatalf("round trip: %+v, want %+v", got, f)
		}
	}
}

func TestFrameRefusals(t *testing.T) {
	ok := (&frame{kind: frameData, node: "node", payload: []byte("x")}).encode()
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"short header", ok[:10]},
		{"no node", append([]byte{frameData, 0, 0}, make([]byte, 16)...)},
		{"node longer than the frame", append([]byte{frameData, 0, 200}, make([]byte, 20)...)},
		{"node too long", append(append([]byte{frameData, 0, 65}, bytes.Repeat([]byte{'a'}, 65)...), make([]byte, 16)...)},
		{"unknown kind", append([]byte{'?'}, ok[1:]...)},
		{"ack without its count", (&frame{kind: frameAck, node: "n", payload: []byte{1}}).encode()},
	} {
		if _, err := decodeFrame(tc.b); err == nil {
			t.Errorf("%s: decoded", tc.name)
		}
	}
}

// FuzzFrame: whatever anyone who can publish on the site's subjects sends,
// decoding never panics, and what decodes encodes back to the same bytes.
func FuzzFrame(f *testing.F) {
	f.Add((&frame{kind: frameHello, node: "abcdefghijkl", payload: []byte(`{"s":1}`)}).encode())
	f.Add((&frame{kind: frameAck, node: "n", tunnel: 5, payload: make([]byte, 8)}).encode())
	f.Add((&frame{kind: frameData, flags: 1, node: "n", tunnel: 5, seq: 1, payload: []byte("GET / HTTP/1.1\r\n")}).encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := decodeFrame(b)
		if err != nil {
			return
		}
		if again := fr.encode(); !bytes.Equal(again, b) {
			t.Fatalf("re-encoded %x, was %x", again, b)
		}
	})
}
