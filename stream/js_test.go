package stream

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"github.com/tetherhq/tether/capture"
)

var update = flag.Bool("update", false, "rewrite stream/testdata/golden-*.bin")

// crop copies a region of a frame into a new frame.
func crop(f *capture.Frame, r capture.Rect) *capture.Frame {
	out := &capture.Frame{Width: r.W, Height: r.H, Stride: r.W * 4, Pix: make([]byte, r.W*r.H*4)}
	for y := 0; y < r.H; y++ {
		copy(out.Pix[y*out.Stride:(y+1)*out.Stride], f.Pix[(r.Y+y)*f.Stride+r.X*4:])
	}
	return out
}

// goldenMessages encodes a short session on a 640x300 crop of the xterm
// fixtures: screen, full frame, state, the typed line, an XOR update and a
// cursor. Only lossless codecs: JPEG pixels differ between decoders.
func goldenMessages(t *testing.T) [][]byte {
	area := capture.Rect{X: 0, Y: 560, W: 640, H: 300}
	before := crop(loadFrame(t, "xterm-before.png"), area)
	after := crop(loadFrame(t, "xterm-after.png"), area)
	p := newPipeline(t, before)
	p.enc.Lossless = true
	scr := &Screen{Version: Version, Width: 640, Height: 300, Displays: []capture.Display{
		{ID: 0, Name: "HDMI-1", Width: 640, Height: 300, Primary: true},
		{ID: 1, Name: "DP-2", X: 640, Y: -10, Width: 1024, Height: 768}}}
	msgs := [][]byte{scr.Append(nil)}
	full, _ := p.send(before, true)
	line, _ := p.send(after, false)
	// Recolour every third pixel of a block of text: many unchanged pixels
	// inside the rectangle, which is what XOR is for.
	recol := cloneFrame(after)
	for y := 10; y < 60; y++ {
		for x := 20; x < 300; x += 3 {
			recol.Pix[y*recol.Stride+x*4+1] ^= 0x80
		}
	}
	xor, st := p.send(recol, false)
	if st.Rects[CodecXorZstd] == 0 {
		t.Fatalf("golden XOR frame has no XOR rect: %+v", st)
	}
	cur := &Cursor{X: 100, Y: 50, Visible: true, HotX: 1, HotY: 2, W: 4, H: 4, Pix: make([]byte, 64)}
	for i := range cur.Pix {
		cur.Pix[i] = byte(i * 3)
	}
	return append(msgs, full, State{ControlAllowed: true}.Append(nil), line, xor, cur.Append(nil))
}

func goldenPaths(t *testing.T) []string {
	paths, err := filepath.Glob(filepath.Join("testdata", "golden-*.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

func TestGoldenMessages(t *testing.T) {
	if *update {
		for i, m := range goldenMessages(t) {
			name := filepath.Join("testdata", fmt.Sprintf("golden-%02d-%s.bin", i, MsgType(m[0]).name()))
			if err := os.WriteFile(name, m, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(goldenPaths(t)) == 0 {
		t.Fatal("no golden messages; run go test ./stream -run Golden -update")
	}
	// Whatever the encoder does today, the committed messages must still
	// decode (they pin the wire format).
	goDecodeGolden(t)
}

// goDecodeGolden decodes the golden files and returns the frame-buffer
// hash after each frame.
func goDecodeGolden(t *testing.T) (hashes []string) {
	d, _ := NewDecoder()
	for _, p := range goldenPaths(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m, err := d.Handle(b)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if _, ok := m.(*Frame); ok {
			sum := sha256.Sum256(d.Image().Pix)
			hashes = append(hashes, hex.EncodeToString(sum[:]))
		}
	}
	return hashes
}

func (t MsgType) name() string {
	switch t {
	case MsgScreen:
		return "screen"
	case MsgFrame:
		return "frame"
	case MsgCursor:
		return "cursor"
	case MsgState:
		return "state"
	}
	return fmt.Sprintf("%02x", byte(t))
}

// TestJSDecoder runs stream.js under node on the golden messages: its frame
// buffer must match the Go decoder's bit for bit, and the input messages it
// encodes must decode in Go to what it meant.
func TestJSDecoder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("stream.js is the browser's: node runs it in the Linux build (the Windows build runs under Wine, which has no node)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("TETHER_REQUIRE_NODE") == "1" {
			t.Fatal("node not found and TETHER_REQUIRE_NODE=1")
		}
		t.Skip("node not on PATH")
	}
	args := []string{"js_test.mjs"}
	for _, p := range goldenPaths(t) {
		args = append(args, p)
	}
	out, err := exec.Command(node, args...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("node: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var res struct {
		Hashes, Inputs []string
		SkippedJPEG    int
		State          map[string]bool
		Cursor         map[string]int
		BadKey         any
		LongText       int
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if want := goDecodeGolden(t); !reflect.DeepEqual(res.Hashes, want) {
		t.Fatalf("JS frame buffers %v, Go %v", res.Hashes, want)
	}
	if !res.State["controlAllowed"] || res.Cursor["w"] != 4 || res.BadKey != nil || res.LongText != 3 {
		t.Fatalf("JS decode result: %s", out)
	}
	want := []any{Ack{Seq: 42, DecodeUS: 1234}, MouseMove{X: 1919, Y: 1079}, MouseButton{Button: ButtonRight, Down: true},
		Wheel{DX: -1, DY: 3}, Key{Code: "ShiftLeft"}, Text{S: "héllo ✓"}, SelectDisplay{ID: 1}, Refresh{},
		Quality{Quality: QualityLossless, MaxFPS: 15}}
	if len(res.Inputs) != len(want) {
		t.Fatalf("JS encoded %d input messages, want %d", len(res.Inputs), len(want))
	}
	for i, h := range res.Inputs {
		b, _ := hex.DecodeString(h)
		m, err := DecodeViewerMessage(b)
		if err != nil || !reflect.DeepEqual(m, want[i]) {
			t.Errorf("JS input %d (%s): got %#v, %v; want %#v", i, h, m, err, want[i])
		}
	}
}
