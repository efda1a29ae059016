package recording

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetherhq/tether/stream"
)

type jsRecord struct {
	Off    int64
	Kind   Kind
	Stream uint16
	T      int64
	Len    int
}

type jsEntry struct {
	T                            int64
	Stream                       uint16
	Frame, Screen, State, Cursor int64
}

type jsOut struct {
	Meta     Meta
	Closed   bool
	Duration int64
	Records  []jsRecord
	Index    []jsEntry
	Scanned  []jsEntry
	Hashes   []string // after each seek
	Played   []string // playing from the start to each target
}

// TestJSPlayer runs the console's recfile.js and player.js under node on a
// recording the Go writer made, closed and cut short: the same records,
// times and index as the Go reader, and after each seek the same frame
// buffer as the Go decoder playing the view from the start.
func TestJSPlayer(t *testing.T) {
	node := nodeOrSkip(t)
	m, _ := testManager(t, func(o *Options) { o.KeyframeEvery, o.KeyframeBytes = 5*time.Millisecond, 2000 })
	s := m.Open(Meta{Session: "js", Technician: "tech", Computer: "pc ✓"})
	sc := newScreen(t, 200, 120)
	var wantFull atomic.Bool
	v := s.Stream(StreamInfo{Kind: "view"}, func() { wantFull.Store(true) })
	v.FromAgent(false, sc.screenMsg())
	v.FromAgent(false, stream.State{ControlAllowed: true}.Append(nil))
	v.FromAgent(false, sc.full())
	for i := range 120 {
		v.FromAgent(false, sc.typeAt(i))
		if wantFull.Swap(false) {
			v.FromAgent(false, sc.full())
		}
		if i%20 == 0 {
			s.Chat(ChatEvent{From: "customer", Text: fmt.Sprint("line ", i)})
			time.Sleep(2 * time.Millisecond)
		}
	}
	v.Close("done")
	waitClosed(t, m, s)
	rd, recs := readAll(t, m, "js")

	targets, want := seekTargets(t, recs)
	out := runJS(t, node, m.Path("js"), targets)
	if !out.Closed || out.Meta.Computer != "pc ✓" || len(out.Records) != len(recs) || len(out.Index) != len(rd.Index.Entries) {
		t.Fatalf("js read closed=%v, %d records (go %d), %d index entries (go %d)", out.Closed, len(out.Records), len(recs), len(out.Index), len(rd.Index.Entries))
	}
	for i, r := range recs {
		if got := out.Records[i]; got != (jsRecord{r.Offset, r.Kind, r.Stream, r.Time.Microseconds(), len(r.Payload)}) {
			t.Fatalf("record %d: js %+v, go %+v", i, got, r)
		}
	}
	for i, e := range rd.Index.Entries {
		if out.Index[i] != (jsEntry{e.Time.Microseconds(), e.Stream, e.Frame, e.Screen, e.State, e.Cursor}) || out.Scanned[i] != out.Index[i] {
			t.Fatalf("index entry %d: js %+v / scanned %+v, go %+v", i, out.Index[i], out.Scanned[i], e)
		}
	}
	checkPictures(t, out, want)

	// The same file cut short: no index, the scan finds the same one.
	cut := filepath.Join(t.TempDir(), "cut.trec")
	b, _ := os.ReadFile(m.Path("js"))
	os.WriteFile(cut, b[:rd.End-3], 0o600)
	out = runJS(t, node, cut, nil)
	if out.Closed || len(out.Records) != len(recs)-1 || len(out.Index) != len(rd.Index.Entries) {
		t.Fatalf("cut file: closed=%v, %d records, %d index entries", out.Closed, len(out.Records), len(out.Index))
	}
}

// TestJSPlayerParts: a session recorded on two nodes (A, B, A again),
// merged as the site serves it, parses in recfile.js like in Go and plays
// across the parts: seeks into each part and playing through from the
// start give the picture of the Go decoder playing that view.
func TestJSPlayerParts(t *testing.T) {
	node := nodeOrSkip(t)
	fileA, fileB := twoNodeRecording(t)
	merged := mergeFiles(t, fileA, fileB)
	rd, recs := readFile(t, merged)
	targets, want := seekTargets(t, recs)
	out := runJS(t, node, merged, targets)
	if !out.Closed || out.Meta.Parts != 2 || len(out.Records) != len(recs) || len(out.Index) != len(rd.Index.Entries) {
		t.Fatalf("js read closed=%v parts=%d, %d records (go %d), %d index entries (go %d)", out.Closed, out.Meta.Parts, len(out.Records), len(recs), len(out.Index), len(rd.Index.Entries))
	}
	streams := map[uint16]bool{}
	for i, r := range recs {
		if got := out.Records[i]; got != (jsRecord{r.Offset, r.Kind, r.Stream, r.Time.Microseconds(), len(r.Payload)}) {
			t.Fatalf("record %d: js %+v, go %+v", i, got, r)
		}
		if tm := fmt.Sprint(r.Time.Microseconds()); r.Kind == KindViewOut && slices.Contains(targets, tm) {
			streams[r.Stream] = true
		}
	}
	if len(streams) != 3 {
		t.Fatalf("targets in streams %v, want in each of the 3 views", streams)
	}
	checkPictures(t, out, want)
}

func nodeOrSkip(t *testing.T) string {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("TETHER_REQUIRE_NODE") == "1" {
			t.Fatal("node not found and TETHER_REQUIRE_NODE=1")
		}
		t.Skip("node not on PATH")
	}
	return node
}

// seekTargets picks every tenth view record's time, if no later record
// shares it, and the picture there: the Go decoder's, playing that
// record's view from its start.
func seekTargets(t *testing.T, recs []Record) (targets, want []string) {
	playLinear(t, recs, func(i int, r Record, linear *stream.Decoder) {
		if i%10 == 0 && (i+1 == len(recs) || recs[i+1].Time != r.Time) {
			targets = append(targets, fmt.Sprint(r.Time.Microseconds()))
			sum := sha256.Sum256(linear.Image().Pix)
			want = append(want, hex.EncodeToString(sum[:]))
		}
	})
	return targets, want
}

func checkPictures(t *testing.T, out jsOut, want []string) {
	t.Helper()
	if !slices.Equal(out.Hashes, want) || len(want) < 5 {
		t.Fatalf("picture after js seeks differs from go's linear decode:\njs %v\ngo %v", out.Hashes, want)
	}
	if !slices.Equal(out.Played, want) {
		t.Fatalf("picture playing through in js differs from go's linear decode:\njs %v\ngo %v", out.Played, want)
	}
}

func runJS(t *testing.T, node, file string, targets []string) jsOut {
	t.Helper()
	b, err := exec.Command(node, append([]string{"js_test.mjs", file}, targets...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("node: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var out jsOut
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return out
}
