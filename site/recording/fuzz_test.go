package recording

import (
	"bytes"
	"os"
	"testing"

	"github.com/tetherhq/tether/stream"
)

// FuzzReader feeds the recording parser arbitrary files (seeded with a
// real recording and its prefixes): it must never panic, never allocate
// more than the file holds, and everything the index points at must read
// back as a record.
func FuzzReader(f *testing.F) {
	seed := seedFile(f)
	f.Add(seed)
	for _, n := range []int{0, 8, headerFixed, len(seed) / 2, len(seed) - trailerSize, len(seed) - 1} {
		f.Add(seed[:n])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rd, err := NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		n := 0
		for rec, err := range rd.Records() {
			if err != nil {
				break
			}
			if rec.End() > rd.End {
				t.Fatalf("record %+v past the end %d", rec.Offset, rd.End)
			}
			n++
		}
		ix := rd.Index
		if ix == nil {
			if ix, err = rd.BuildIndex(); err != nil {
				return
			}
		}
		for _, e := range ix.Entries {
			rd.RecordAt(e.Frame)
			rd.RecordAt(e.Screen)
		}
	})
}

// FuzzMerge merges an arbitrary file with a real recording: whatever the
// parser accepts of it, the merged file must read back whole — every
// record, in time order — with an index that points at frames.
func FuzzMerge(f *testing.F) {
	seed := seedFile(f)
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		other, err := NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		base, err := NewReader(bytes.NewReader(seed), int64(len(seed)))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := Merge(&out, []*Reader{base, other}); err != nil {
			return // a malformed record in other, or a start too far apart
		}
		rd, err := NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
		if err != nil {
			t.Fatalf("merged file unreadable: %v", err)
		}
		for _, err := range rd.Records() {
			if err != nil {
				t.Fatalf("merged file: %v", err)
			}
		}
		if rd.Index != nil {
			for _, e := range rd.Index.Entries {
				if _, err := rd.RecordAt(e.Frame); err != nil {
					t.Fatalf("index entry %+v: %v", e, err)
				}
			}
		}
	})
}

// seedFile is a small recording with a view, input, chat and a file.
func seedFile(f *testing.F) []byte {
	dir := f.TempDir()
	m, err := New(Options{Dir: dir})
	if err != nil {
		f.Fatal(err)
	}
	sc := newScreen(f, 32, 32)
	s := m.Open(Meta{Session: "seed", Technician: "tech"})
	v := s.Stream(StreamInfo{Kind: "view"}, nil)
	v.FromAgent(false, sc.screenMsg())
	v.FromAgent(false, sc.full())
	v.FromAgent(false, sc.typeAt(1))
	v.FromViewer(false, stream.MouseMove{X: 1, Y: 2}.Append(nil))
	s.Chat(ChatEvent{From: "customer", Text: "hi"})
	s.File(FileEvent{Op: "download", Path: "x", Size: 1, Result: "done"})
	v.Close("end")
	s.Release()
	if err := m.Close(f.Context()); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(m.Path("seed"))
	if err != nil {
		f.Fatal(err)
	}
	return b
}
