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
	Hashes   []string
}

// TestJSPlayer runs the console's recfile.js and player.js under node on a
// recording the Go writer made, closed and cut short: the same records,
// times and index as the Go reader, and after each seek the same frame
// buffer as the Go decoder playing the view from the start.
func TestJSPlayer(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("TETHER_REQUIRE_NODE") == "1" {
			t.Fatal("node not found and TETHER_REQUIRE_NODE=1")
		}
		t.Skip("node not on PATH")
	}
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

	// Targets: every tenth view record's time, if no later record shares it.
	var targets []string
	var want []string
	linear := newDecoder(t)
	for i, r := range recs {
		if r.Kind == KindViewOut {
			apply(t, linear, r.Payload)
		}
		if r.Kind == KindViewOut && i%10 == 0 && (i+1 == len(recs) || recs[i+1].Time != r.Time) {
			targets = append(targets, fmt.Sprint(r.Time.Microseconds()))
			sum := sha256.Sum256(linear.Image().Pix)
			want = append(want, hex.EncodeToString(sum[:]))
		}
	}
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
	if !slices.Equal(out.Hashes, want) || len(want) < 5 {
		t.Fatalf("picture after js seeks differs from go's linear decode:\njs %v\ngo %v", out.Hashes, want)
	}

	// The same file cut short: no index, the scan finds the same one.
	cut := filepath.Join(t.TempDir(), "cut.trec")
	b, _ := os.ReadFile(m.Path("js"))
	os.WriteFile(cut, b[:rd.End-3], 0o600)
	out = runJS(t, node, cut, nil)
	if out.Closed || len(out.Records) != len(recs)-1 || len(out.Index) != len(rd.Index.Entries) {
		t.Fatalf("cut file: closed=%v, %d records, %d index entries", out.Closed, len(out.Records), len(out.Index))
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
