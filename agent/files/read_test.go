package files

import (
	"bytes"
	"io"
	"os"
	"testing"
)

func TestDownload(t *testing.T) {
	content := bytes.Repeat([]byte("0123456789abcdef"), 40000) // 640 kB: several buffers
	f := newFixture(t, Options{})
	if err := os.WriteFile(f.path("docs/data.bin"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		offset      int64
		hashEarly   bool // SHA256 before reading anything
		readAtFirst bool
	}{
		{"whole", 0, false, true},
		{"resumed", 123457, false, true},
		{"at the end", int64(len(content)), false, true},
		{"hash first from 0", 0, true, false},
		{"hash first resumed", 99, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, err := f.r.Open("docs/data.bin", tt.offset)
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			if rd.Size() != int64(len(content)) || rd.Offset() != tt.offset {
				t.Errorf("size %d offset %d", rd.Size(), rd.Offset())
			}
			if tt.hashEarly {
				h, err := rd.SHA256()
				if err != nil || !bytes.Equal(h, sum(string(content))) {
					t.Errorf("early SHA256 = %x, %v", h, err)
				}
			}
			got, err := io.ReadAll(rd)
			if err != nil {
				t.Fatal(err)
			}
			if tt.readAtFirst && !bytes.Equal(got, content[tt.offset:]) {
				t.Errorf("read %d bytes, want the %d from offset %d", len(got), len(content)-int(tt.offset), tt.offset)
			}
			h, err := rd.SHA256()
			if err != nil || !bytes.Equal(h, sum(string(content))) {
				t.Errorf("SHA256 = %x, %v; want the whole file's", h, err)
			}
		})
	}
}

func TestDownloadGrowingFile(t *testing.T) {
	// A file that grows while it is sent (a log) is cut at its size when
	// opened, so the size announced and the hash agree with the bytes.
	f := newFixture(t, Options{})
	rd, err := f.r.Open("hello.txt", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	fh, err := os.OpenFile(f.path("hello.txt"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteString(" world")
	fh.Close()
	got, _ := io.ReadAll(rd)
	h, err := rd.SHA256()
	if string(got) != "hello" || err != nil || !bytes.Equal(h, sum("hello")) {
		t.Errorf("read %q, hash %x, %v", got, h, err)
	}
}

func TestDownloadRefusals(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		offset int64
		opts   Options
		want   error
		code   string
	}{
		{"directory", "docs", 0, Options{}, ErrIsDir, "bad_request"},
		{"missing", "nope.txt", 0, Options{}, ErrNotFound, "not_found"},
		{"missing dir", "nope/x.txt", 0, Options{}, ErrNotFound, "not_found"},
		{"file as dir", "hello.txt/x", 0, Options{}, ErrNotFound, "not_found"},
		{"offset past end", "hello.txt", 6, Options{}, ErrBadOffset, "bad_request"},
		{"negative offset", "hello.txt", -1, Options{}, ErrBadOffset, "bad_request"},
		{"too large", "hello.txt", 0, Options{MaxSize: 4}, ErrTooLarge, "file_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			rd, err := f.open(t, tt.opts, false).Open(tt.path, tt.offset)
			if err == nil {
				rd.Close()
			}
			wantKind(t, err, tt.want)
			if Code(err) != tt.code {
				t.Errorf("code %q, want %q", Code(err), tt.code)
			}
		})
	}
}

func TestCloseStopsBackgroundHash(t *testing.T) {
	f := newFixture(t, Options{})
	if err := os.WriteFile(f.path("big"), make([]byte, 8<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	rd, err := f.r.Open("big", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := rd.SHA256(); err == nil {
		t.Error("SHA256 after Close succeeded")
	}
}
