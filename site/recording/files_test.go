package recording

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestRetention: Reap removes recordings last written longer ago than the
// retention on the site's (fake) clock, never one being written, and
// nothing with retention 0.
func TestRetention(t *testing.T) {
	m, fc := testManager(t, func(o *Options) { o.Retention = 90 * 24 * time.Hour })
	record := func(id string) {
		s := m.Open(Meta{Session: id})
		s.Chat(ChatEvent{Text: id})
		waitClosed(t, m, s)
	}
	record("old")
	fc.Advance(60 * 24 * time.Hour)
	record("newer")
	live := m.Open(Meta{Session: "live"})
	live.Chat(ChatEvent{Text: "still going"})
	for _, tc := range []struct {
		advance time.Duration
		removed []string
	}{
		{29 * 24 * time.Hour, nil},            // old is 89 days old
		{2 * 24 * time.Hour, []string{"old"}}, // 91
		{58 * 24 * time.Hour, nil},            // newer is 89 days old; live is open
		{2 * 24 * time.Hour, []string{"newer"}},
	} {
		fc.Advance(tc.advance)
		got, err := m.Reap()
		if err != nil || !slices.Equal(got, tc.removed) {
			t.Fatalf("after %v: removed %v (%v), want %v", tc.advance, got, err, tc.removed)
		}
	}
	if _, err := os.Stat(m.Path("live")); err != nil {
		t.Fatalf("the recording being written was removed: %v", err)
	}
	live.Release()
	m.o.Retention = 0
	fc.Advance(1000 * 24 * time.Hour)
	if got, _ := m.Reap(); got != nil {
		t.Fatalf("retention 0 removed %v", got)
	}
}

func TestParseRetention(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90d", 90 * 24 * time.Hour, true},
		{"0.5d", 12 * time.Hour, true},
		{"36h", 36 * time.Hour, true},
		{"0", 0, true},
		{"-1d", 0, false},
		{"-1h", 0, false},
		{"ninety", 0, false},
		{"99999d", 0, false},
	} {
		got, err := ParseRetention(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseRetention(%q) = %v, %v", tc.in, got, err)
		}
		if tc.ok {
			if back, _ := ParseRetention(FormatRetention(got)); back != got {
				t.Errorf("FormatRetention(%v) = %q does not parse back", got, FormatRetention(got))
			}
		}
	}
}

// TestPathRefusesTricks: session IDs come from URLs.
func TestPathRefusesTricks(t *testing.T) {
	m, _ := testManager(t, nil)
	for _, id := range []string{"", "../x", "a/b", "a.b", string(make([]byte, 65))} {
		if p := m.Path(id); p != "" {
			t.Errorf("Path(%q) = %q", id, p)
		}
		if s := m.Open(Meta{Session: id}); s != nil {
			t.Errorf("Open(%q) recorded", id)
		}
	}
	if _, err := m.Stat("../etc"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stat: %v", err)
	}
}

// TestReaderRejects: the parser is strict about everything but a tail cut
// short in a file that has no index.
func TestReaderRejects(t *testing.T) {
	m, _ := testManager(t, nil)
	s := m.Open(Meta{Session: "r"})
	s.Chat(ChatEvent{Text: "one"})
	s.Chat(ChatEvent{Text: "two"})
	waitClosed(t, m, s)
	good, err := os.ReadFile(m.Path("r"))
	if err != nil {
		t.Fatal(err)
	}
	rd, err := NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	first := rd.First
	second := first + recordHead + int64(len(mustRecord(t, rd, first).Payload))
	edit := func(f func(b []byte) []byte) []byte { return f(slices.Clone(good)) }
	for name, b := range map[string][]byte{
		"magic":          edit(func(b []byte) []byte { b[1] = 'X'; return b }),
		"version":        edit(func(b []byte) []byte { b[8] = 2; return b }),
		"meta length":    edit(func(b []byte) []byte { le.PutUint32(b[10:], 1<<20); return b }),
		"meta json":      edit(func(b []byte) []byte { b[headerFixed] = '['; return b }),
		"unknown kind":   edit(func(b []byte) []byte { b[first+4] = 0x55; return b }),
		"short length":   edit(func(b []byte) []byte { le.PutUint32(b[first:], 3); return b }),
		"time goes back": edit(func(b []byte) []byte { le.PutUint64(b[second+7:], 0); le.PutUint64(b[first+7:], 5e6); return b }),
		"index kind":     edit(func(b []byte) []byte { b[first+4] = byte(KindIndex); return b }),
		"trailer":        edit(func(b []byte) []byte { le.PutUint64(b[len(b)-16:], uint64(first)); return b }),
		"long record":    edit(func(b []byte) []byte { le.PutUint32(b[second:], 1<<20); return b }),
	} {
		t.Run(name, func(t *testing.T) {
			rd, err := NewReader(bytes.NewReader(b), int64(len(b)))
			if err == nil {
				_, err = rd.BuildIndex()
			}
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("got %v, want a format error", err)
			}
		})
	}
	// Cut short without an index: the complete records are read.
	cut := good[:second+5]
	rd, err = NewReader(bytes.NewReader(cut), int64(len(cut)))
	if err != nil || rd.Index != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range rd.Records() {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d records from a file cut in the second", n)
	}
}

func mustRecord(t *testing.T, rd *Reader, off int64) Record {
	t.Helper()
	r, err := rd.RecordAt(off)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestNewRemovesLeftScratch: scratch files a site that died left behind
// (where their names could not be removed at once) go when the next
// Manager starts; recordings stay.
func TestNewRemovesLeftScratch(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{".scratch-123", "s1.trec"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := New(Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".scratch-123")); !os.IsNotExist(err) {
		t.Errorf("the left scratch file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "s1.trec")); err != nil {
		t.Errorf("the recording: %v", err)
	}
}
