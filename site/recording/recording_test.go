package recording

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetherhq/tether/stream"
)

// TestRoundTrip records a view, a shell, chat and a file transfer and
// reads every record back: the kinds kept and dropped, payloads byte for
// byte, times that never go back, and an index that points at the full
// frames with the screen and state before them.
func TestRoundTrip(t *testing.T) {
	m, _ := testManager(t, nil)
	s := m.Open(Meta{Session: "s1", Technician: "tech"})
	sc := newScreen(t, 256, 128)
	var refreshes atomic.Int32
	view := s.Stream(StreamInfo{Kind: "view", ID: "v", Technician: "tech"}, func() { refreshes.Add(1) })
	state := stream.State{ControlAllowed: true}.Append(nil)
	agentMsgs := [][]byte{sc.screenMsg(), state, sc.full(), sc.typeAt(1), sc.typeAt(2)}
	for _, b := range agentMsgs {
		view.FromAgent(false, b)
	}
	for _, b := range [][]byte{
		stream.Ack{Seq: 1}.Append(nil),             // not kept
		stream.MouseMove{X: 10, Y: 20}.Append(nil), // kept
		stream.Key{Down: true, Code: "KeyA"}.Append(nil),
		stream.Refresh{}.Append(nil), // not kept
	} {
		view.FromViewer(false, b)
	}
	shell := s.Stream(StreamInfo{Kind: "shell", ID: "sh"}, nil)
	shell.FromAgent(true, []byte(`{"ready":true}`))
	shell.FromViewer(false, []byte("secret\n")) // keystrokes: not kept
	shell.FromAgent(false, []byte("$ ls\r\n"))
	shell.FromViewer(true, []byte(`{"resize":{"cols":100,"rows":30}}`))
	s.Chat(ChatEvent{ID: 7, From: "technician", Name: "tech", Text: "hello ✓"})
	s.File(FileEvent{Op: "upload", Path: "a.txt", Size: 3, SHA256: "abc", Result: "done"})
	shell.Close("exit")
	view.Close("viewer left")
	waitClosed(t, m, s)

	rd, recs := readAll(t, m, "s1")
	if rd.Meta.Session != "s1" || rd.Meta.Technician != "tech" || rd.Meta.Started.IsZero() || rd.Index == nil {
		t.Fatalf("header %+v, index %v", rd.Meta, rd.Index)
	}
	var kinds []Kind
	for _, r := range recs {
		kinds = append(kinds, r.Kind)
	}
	want := []Kind{KindStreamStart, KindViewOut, KindViewOut, KindViewOut, KindViewOut, KindViewOut, KindViewIn, KindViewIn,
		KindStreamStart, KindShellCtl, KindShellOut, KindShellCtl, KindChat, KindFile, KindStreamEnd, KindStreamEnd}
	if !slices.Equal(kinds, want) {
		t.Fatalf("kinds %v\nwant  %v", kinds, want)
	}
	for i, b := range agentMsgs {
		if r := recs[1+i]; string(r.Payload) != string(b) || r.Stream != 1 {
			t.Fatalf("view message %d: stream %d, %d bytes, want %d", i, r.Stream, len(r.Payload), len(b))
		}
	}
	if recs[9].Stream != 2 || string(recs[10].Payload) != "$ ls\r\n" || recs[12].Stream != 0 {
		t.Fatalf("shell and chat records: %+v %+v %+v", recs[9], recs[10], recs[12])
	}
	var chat ChatEvent
	if err := json.Unmarshal(recs[12].Payload, &chat); err != nil || chat.Text != "hello ✓" {
		t.Fatalf("chat %s: %v", recs[12].Payload, err)
	}
	if len(rd.Index.Entries) != 1 || rd.Index.NextStream != 3 {
		t.Fatalf("index %+v", rd.Index)
	}
	e := rd.Index.Entries[0]
	if e.Frame != recs[3].Offset || e.Screen != recs[1].Offset || e.State != recs[2].Offset || e.Cursor != 0 || e.Stream != 1 {
		t.Fatalf("index entry %+v, records at %d %d %d", e, recs[1].Offset, recs[2].Offset, recs[3].Offset)
	}
	if r, err := rd.RecordAt(e.Frame); err != nil || !stream.IsFullFrame(r.Payload) {
		t.Fatalf("RecordAt(%d): %v", e.Frame, err)
	}
	scanned, err := rd.BuildIndex()
	if err != nil || !slices.Equal(scanned.Entries, rd.Index.Entries) {
		t.Fatalf("scanned index %+v, %v", scanned, err)
	}
	if st, _ := os.Stat(m.Path("s1")); st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v", st.Mode())
	}
}

// TestPartsAppend: a session viewed twice, and again after the site
// restarted, has one file; stream numbers and times go on, and one index
// covers every part.
func TestPartsAppend(t *testing.T) {
	m, fc := testManager(t, nil)
	sc := newScreen(t, 64, 64)
	part := func(m *Manager) {
		s := m.Open(Meta{Session: "s2"})
		v := s.Stream(StreamInfo{Kind: "view"}, nil)
		v.FromAgent(false, sc.screenMsg())
		v.FromAgent(false, sc.full())
		time.Sleep(2 * time.Millisecond)
		v.FromAgent(false, sc.typeAt(3))
		v.Close("done")
		waitClosed(t, m, s)
	}
	part(m)
	part(m)
	m2, err := New(Options{Dir: m.o.Dir, Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	part(m2)
	rd, recs := readAll(t, m2, "s2")
	streams := map[uint16]bool{}
	for _, r := range recs {
		streams[r.Stream] = true
	}
	if len(streams) != 3 || !streams[1] || !streams[2] || !streams[3] {
		t.Fatalf("streams %v", streams)
	}
	if rd.Index.keyframes(1) != 1 || rd.Index.keyframes(3) != 1 || len(rd.Index.Entries) != 3 {
		t.Fatalf("index %+v", rd.Index.Entries)
	}
	if last := recs[len(recs)-1].Time; last <= recs[0].Time {
		t.Fatalf("times did not go on: %v … %v", recs[0].Time, last)
	}
	if st, _ := os.Stat(m.Path("s2")); !st.ModTime().Equal(fc.Now()) {
		t.Fatalf("file time %v, want the site clock's %v", st.ModTime(), fc.Now())
	}
}

// TestInterruptedFile: a file the site could not close (it stopped) ends
// in a record cut short and has no index. The next part keeps every
// complete record, drops the cut one, marks the gap and indexes it all.
func TestInterruptedFile(t *testing.T) {
	m, _ := testManager(t, nil)
	sc := newScreen(t, 64, 64)
	s := m.Open(Meta{Session: "s3"})
	v := s.Stream(StreamInfo{Kind: "view"}, nil)
	v.FromAgent(false, sc.screenMsg())
	v.FromAgent(false, sc.full())
	v.FromAgent(false, sc.typeAt(1))
	waitClosed(t, m, s)
	_, before := readAll(t, m, "s3")
	// Cut the index, the trailer and half of the last record.
	last := before[len(before)-1]
	if err := os.Truncate(m.Path("s3"), last.Offset+recordHead+int64(len(last.Payload))/2); err != nil {
		t.Fatal(err)
	}
	rd, cut := readAll(t, m, "s3")
	if rd.Index != nil || len(cut) != len(before)-1 {
		t.Fatalf("cut file: index %v, %d records of %d", rd.Index, len(cut), len(before))
	}
	var gaps []Gap
	m.o.OnGap = func(_ string, g Gap) { gaps = append(gaps, g) }
	s = m.Open(Meta{Session: "s3"})
	s.Chat(ChatEvent{Text: "after"})
	waitClosed(t, m, s)
	rd, after := readAll(t, m, "s3")
	if len(after) != len(cut)+2 || after[len(cut)].Kind != KindGap || after[len(cut)+1].Kind != KindChat {
		t.Fatalf("records after recovery: %v", after)
	}
	if len(gaps) != 1 || gaps[0].Reason != "interrupted" || rd.Index == nil || rd.Index.keyframes(1) != 1 {
		t.Fatalf("gaps %+v, index %+v", gaps, rd.Index)
	}
}

// TestSlowDiskNeverBlocks: with the disk stuck, recording a busy view
// never waits; what does not fit is dropped and counted, a gap record
// says so once the disk is back, and the view is asked for a full frame.
func TestSlowDiskNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	var gaps []Gap
	m, _ := testManager(t, func(o *Options) {
		o.QueueBytes = 64 << 10
		o.wrap = func(w io.Writer) io.Writer { return &slowWriter{w: w, release: release} }
		o.OnGap = func(_ string, g Gap) { gaps = append(gaps, g) }
	})
	s := m.Open(Meta{Session: "s4"})
	var refreshes atomic.Int32
	v := s.Stream(StreamInfo{Kind: "view"}, func() { refreshes.Add(1) })
	msg := make([]byte, 4096)
	msg[0] = byte(stream.MsgFrame)
	start := time.Now()
	kept, dropped := 0, 0
	for range 200 {
		if s.add(KindViewOut, v.n, msg) {
			kept++
		} else {
			dropped++
		}
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Fatalf("200 records took %v with the disk stuck", d)
	}
	if dropped == 0 || kept == 0 || kept*4096 > 64<<10 {
		t.Fatalf("kept %d, dropped %d", kept, dropped)
	}
	close(release)
	for !s.add(KindViewOut, v.n, msg) { // room again once the writer catches up
		time.Sleep(time.Millisecond)
	}
	v.Close("done")
	waitClosed(t, m, s)
	_, recs := readAll(t, m, "s4")
	var g Gap
	for _, r := range recs {
		if r.Kind == KindGap {
			json.Unmarshal(r.Payload, &g)
		}
	}
	if g.Records < int64(dropped) || g.Reason != "disk" || !slices.Equal(g.Streams, []uint16{1}) || len(gaps) == 0 {
		t.Fatalf("gap %+v (dropped %d), reported %+v", g, dropped, gaps)
	}
	deadline := time.Now().Add(5 * time.Second)
	for refreshes.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if refreshes.Load() == 0 {
		t.Fatal("no full frame asked for after the gap")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestDiskErrorStopsRecording: a write error is reported once and the
// session's later records are dropped at once.
func TestDiskErrorStopsRecording(t *testing.T) {
	errs := make(chan error, 4)
	m, _ := testManager(t, func(o *Options) {
		o.wrap = func(io.Writer) io.Writer { return failingWriter{} }
		o.OnError = func(_ string, err error) { errs <- err }
	})
	s := m.Open(Meta{Session: "s5"})
	s.Chat(ChatEvent{Text: "x"})
	big := make([]byte, 512<<10) // past bufio's buffer: the write fails
	s.add(KindViewOut, 0, big)
	select {
	case err := <-errs:
		if err == nil {
			t.Fatal("nil error")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the disk error was not reported")
	}
	for s.add(KindChat, 0, []byte("{}")) {
		time.Sleep(time.Millisecond)
	}
	s.Release()
}

// TestKeyframePolicy: a view is asked for a full frame once the last one
// is old and enough frame bytes came since, not more often, and a full
// frame starts the count again.
func TestKeyframePolicy(t *testing.T) {
	m, _ := testManager(t, func(o *Options) { o.KeyframeEvery, o.KeyframeBytes = 30*time.Millisecond, 10000 })
	s := m.Open(Meta{Session: "s6"})
	defer s.Release()
	var asked atomic.Int32
	v := s.Stream(StreamInfo{Kind: "view"}, func() { asked.Add(1) })
	sc := newScreen(t, 64, 64)
	delta := make([]byte, 6000)
	delta[0] = byte(stream.MsgFrame)
	wait := func(n int32) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for asked.Load() != n && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if got := asked.Load(); got != n {
			t.Fatalf("asked %d times, want %d", got, n)
		}
	}
	v.FromAgent(false, delta)
	v.FromAgent(false, delta) // bytes enough, too early
	time.Sleep(40 * time.Millisecond)
	wait(0)
	v.FromAgent(false, delta) // old enough and bytes enough
	wait(1)
	v.FromAgent(false, delta) // asked just now: not again
	wait(1)
	v.FromAgent(false, sc.full())
	time.Sleep(40 * time.Millisecond)
	v.FromAgent(false, delta) // old enough, but the count started again
	wait(1)
	v.FromAgent(false, delta)
	wait(2)
}
