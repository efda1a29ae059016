package recording

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetherhq/tether/stream"
)

// recordView records one view of session id through m: a screen, its
// state, a full frame and n typed characters (from char on), answering
// the full frames the Stream asks for, and a chat line saying note.
func recordView(t *testing.T, m *Manager, id string, char, n int, note string) {
	t.Helper()
	s := m.Open(Meta{Session: id, Technician: "tech", Computer: "pc"})
	sc := newScreen(t, 200, 120)
	var wantFull atomic.Bool
	v := s.Stream(StreamInfo{Kind: "view"}, func() { wantFull.Store(true) })
	v.FromAgent(false, sc.screenMsg())
	v.FromAgent(false, stream.State{ControlAllowed: true}.Append(nil))
	v.FromAgent(false, sc.full())
	for i := range n {
		v.FromAgent(false, sc.typeAt(char+i))
		if wantFull.Swap(false) {
			v.FromAgent(false, sc.full())
		}
		if i%10 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	s.Chat(ChatEvent{From: "customer", Text: note})
	v.Close("done")
	waitClosed(t, m, s)
}

// twoNodeRecording is a session whose agent moved between two nodes and
// back: node A records views 1 and 3 into its file, node B view 2 into
// its own. It returns the two files (A's, B's).
func twoNodeRecording(t *testing.T) (string, string) {
	t.Helper()
	fast := func(o *Options) { o.KeyframeEvery, o.KeyframeBytes = 5*time.Millisecond, 2000 }
	a, _ := testManager(t, fast)
	b, _ := testManager(t, fast)
	recordView(t, a, "s", 0, 60, "on A")
	time.Sleep(5 * time.Millisecond) // B's file starts later, to the millisecond
	recordView(t, b, "s", 300, 60, "on B")
	time.Sleep(5 * time.Millisecond)
	recordView(t, a, "s", 600, 60, "on A again")
	return a.Path("s"), b.Path("s")
}

// mergeFiles merges files into one in a temporary directory.
func mergeFiles(t *testing.T, files ...string) string {
	t.Helper()
	var rds []*Reader
	for _, f := range files {
		rd, c, err := Open(f)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		rds = append(rds, rd)
	}
	out := filepath.Join(t.TempDir(), "merged.trec")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := Merge(f, rds); err != nil {
		t.Fatal(err)
	}
	return out
}

// viewPayloads is every view_out payload of stream sn.
func viewPayloads(recs []Record, sn uint16) [][]byte {
	var out [][]byte
	for _, r := range recs {
		if r.Kind == KindViewOut && r.Stream == sn {
			out = append(out, r.Payload)
		}
	}
	return out
}

// TestMergeParts: the files of a session recorded on two nodes (A, B,
// then A again) merge into one recording that the reader takes whole: the
// header of the earliest, every record in time order with the streams
// numbered in the order they started, each view's messages byte for byte,
// an index that is the one a scan builds, and a seek into any part gives
// the picture of playing that view from its start.
func TestMergeParts(t *testing.T) {
	fileA, fileB := twoNodeRecording(t)
	rdA, recsA := readFile(t, fileA)
	rdB, recsB := readFile(t, fileB)
	rd, recs := readFile(t, mergeFiles(t, fileB, fileA)) // in any order
	if rd.Meta.Parts != 2 || !rd.Meta.Started.Equal(rdA.Meta.Started) || rd.Meta.Session != "s" || rd.Index == nil {
		t.Fatalf("merged meta %+v, index %v; A started %v", rd.Meta, rd.Index != nil, rdA.Meta.Started)
	}
	if len(recs) != len(recsA)+len(recsB) {
		t.Fatalf("%d records merged from %d + %d", len(recs), len(recsA), len(recsB))
	}
	var chats []string
	for _, r := range recs {
		if r.Kind == KindChat {
			chats = append(chats, string(r.Payload))
		}
	}
	if len(chats) != 3 || !bytes.Contains([]byte(chats[0]), []byte(`"on A"`)) ||
		!bytes.Contains([]byte(chats[1]), []byte(`"on B"`)) || !bytes.Contains([]byte(chats[2]), []byte(`"on A again"`)) {
		t.Fatalf("chat out of order: %q", chats)
	}
	// Streams 1, 2, 3: A's first view, B's, A's second.
	for sn, want := range map[uint16][][]byte{1: viewPayloads(recsA, 1), 2: viewPayloads(recsB, 1), 3: viewPayloads(recsA, 2)} {
		if got := viewPayloads(recs, sn); len(want) < 60 || !slices.EqualFunc(got, want, bytes.Equal) {
			t.Fatalf("stream %d: %d messages, want %d byte for byte", sn, len(got), len(want))
		}
	}
	shift := rdB.Meta.Started.Sub(rdA.Meta.Started)
	if first := viewPayloads(recs, 2); shift <= 0 || recs[slices.IndexFunc(recs, func(r Record) bool { return r.Stream == 2 })].Time != shift+recsB[0].Time || len(first) == 0 {
		t.Fatalf("B's part is not on A's clock %v later", shift)
	}
	scanned, err := rd.BuildIndex()
	if err != nil || rd.Index.NextStream != 4 || !slices.Equal(scanned.Entries, rd.Index.Entries) || rd.Index.keyframes(2) < 2 {
		t.Fatalf("index %+v, scanned %+v (%v)", rd.Index, scanned, err)
	}
	seeks := 0
	playLinear(t, recs, func(i int, r Record, linear *stream.Decoder) {
		if i+1 < len(recs) && recs[i+1].Time == r.Time || i%5 != 0 {
			return
		}
		if _, ok := rd.Index.Seek(r.Stream, r.Time); !ok {
			return // before the stream's first full frame
		}
		if !bytes.Equal(seekTo(t, rd, recs, r.Stream, r.Time).Image().Pix, linear.Image().Pix) {
			t.Fatalf("stream %d at %v: the picture from the keyframe differs from the one played from the start", r.Stream, r.Time)
		}
		seeks++
	})
	if seeks < 20 {
		t.Fatalf("only %d seeks checked", seeks)
	}
}

// TestMergeUnclosedPart: a part that was not closed (being written, or
// its site stopped) leaves the merged file without an index, as that part
// was, and its record cut short ends it.
func TestMergeUnclosedPart(t *testing.T) {
	fileA, fileB := twoNodeRecording(t)
	rdB, recsB := readFile(t, fileB)
	b, _ := os.ReadFile(fileB)
	cut := filepath.Join(t.TempDir(), "cut.trec")
	os.WriteFile(cut, b[:rdB.End-3], 0o600)
	_, recsA := readFile(t, fileA)
	rd, recs := readFile(t, mergeFiles(t, fileA, cut))
	if rd.Index != nil || len(recs) != len(recsA)+len(recsB)-1 {
		t.Fatalf("index %v, %d records, want %d", rd.Index != nil, len(recs), len(recsA)+len(recsB)-1)
	}
}

// TestMergeRenumbersGaps: a gap record names the merged file's streams.
func TestMergeRenumbersGaps(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, started time.Time, recs ...[]byte) string {
		h, _ := appendHeader(nil, Meta{Session: "g", Started: started})
		for _, r := range recs {
			h = append(h, r...)
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, h, 0o600)
		return p
	}
	rec := func(k Kind, sn uint16, t time.Duration, p string) []byte {
		return append(appendRecordHead(nil, k, sn, t, len(p)), p...)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := write("a", t0, rec(KindStreamStart, 1, 0, `{"kind":"shell"}`), rec(KindShellOut, 1, time.Millisecond, "a"))
	b := write("b", t0.Add(time.Second), rec(KindStreamStart, 1, 0, `{"kind":"shell"}`),
		rec(KindGap, 0, time.Millisecond, `{"records":2,"streams":[1],"reason":"disk"}`))
	_, recs := readFile(t, mergeFiles(t, a, b))
	if len(recs) != 4 || recs[3].Kind != KindGap || string(recs[3].Payload) != `{"records":2,"streams":[2],"reason":"disk"}` ||
		recs[2].Stream != 2 || recs[3].Time != time.Second+time.Millisecond {
		for _, r := range recs {
			t.Logf("%v %d %v %s", r.Kind, r.Stream, r.Time, r.Payload)
		}
		t.Fatal("gap not renumbered")
	}
}

// TestMergeRefusesFarApartParts: a part whose start is centuries after the
// first (a crafted or corrupt file) is refused, not written at a time
// that overflowed (time.Time.Sub saturates, and the sum wrapped).
func TestMergeRefusesFarApartParts(t *testing.T) {
	fileA, fileB := twoNodeRecording(t)
	var rds []*Reader
	for _, f := range []string{fileA, fileB} {
		rd, c, err := Open(f)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		rds = append(rds, rd)
	}
	rds[1].Meta.Started = rds[0].Meta.Started.AddDate(1000, 0, 0)
	var out bytes.Buffer
	if err := Merge(&out, rds); err == nil {
		t.Fatalf("merged parts 1000 years apart into %d bytes", out.Len())
	}
}
