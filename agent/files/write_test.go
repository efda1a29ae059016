package files

import (
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// upload writes content to name in one go and commits it with its hash.
func upload(r *Root, name, content string, overwrite bool) (Result, error) {
	w, err := r.Create(name, int64(len(content)), 0, overwrite)
	if err != nil {
		return Result{}, err
	}
	if _, err := io.Copy(w, strings.NewReader(content)); err != nil {
		w.Abort()
		return Result{}, err
	}
	return w.Commit(sum(content))
}

func TestUpload(t *testing.T) {
	f := newFixture(t, Options{})
	res, err := upload(f.r, "new/dir/report.txt", "quarterly numbers", false)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Path: "new/dir/report.txt", Size: 17, SHA256: hex.EncodeToString(sum("quarterly numbers"))}
	if res != want {
		t.Errorf("result %+v, want %+v", res, want)
	}
	if got := read(t, f.path("new/dir/report.txt")); got != "quarterly numbers" {
		t.Errorf("content %q", got)
	}
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(f.path("new/dir/report.txt"))
		if fi.Mode().Perm() != fileMode {
			t.Errorf("mode %v, want %v", fi.Mode().Perm(), os.FileMode(fileMode))
		}
	}
	entries, _ := os.ReadDir(f.path("new/dir"))
	if len(entries) != 1 {
		t.Errorf("left in the directory: %v", entries)
	}
}

func TestUploadRefusals(t *testing.T) {
	tests := []struct {
		name string
		do   func(t *testing.T, f *fixture) error
		want error
	}{
		{"exists", func(t *testing.T, f *fixture) error {
			_, err := f.r.Create("hello.txt", 3, 0, false)
			return err
		}, ErrExists},
		{"directory", func(t *testing.T, f *fixture) error {
			_, err := f.r.Create("docs", 3, 0, true)
			return err
		}, ErrExists},
		{"file in the way of a parent", func(t *testing.T, f *fixture) error {
			_, err := f.r.Create("hello.txt/x/y", 3, 0, false)
			return err
		}, ErrExists},
		{"the root", func(t *testing.T, f *fixture) error {
			_, err := f.r.Create("", 3, 0, false)
			return err
		}, ErrPathNotAllowed},
		{"a part file name", func(t *testing.T, f *fixture) error {
			_, err := f.r.Create("docs/.x.tether-part", 3, 0, false)
			return err
		}, ErrPathNotAllowed},
		{"announced too large", func(t *testing.T, f *fixture) error {
			r := f.open(t, Options{MaxSize: 10}, false)
			_, err := r.Create("big.bin", 11, 0, false)
			return err
		}, ErrTooLarge},
		{"negative offset", func(t *testing.T, f *fixture) error {
			_, err := f.r.Create("a.bin", 10, -1, false)
			return err
		}, ErrBadOffset},
		{"offset past size", func(t *testing.T, f *fixture) error {
			_, err := f.r.Create("a.bin", 10, 11, false)
			return err
		}, ErrBadOffset},
		{"resume without a part", func(t *testing.T, f *fixture) error {
			_, err := f.r.Create("a.bin", 10, 5, false)
			return err
		}, ErrBadOffset},
		{"resume past the part", func(t *testing.T, f *fixture) error {
			write(t, f.path(".a.bin.tether-part"), "abc")
			before := snapshot(t, f.base)
			_, err := f.r.Create("a.bin", 10, 4, false)
			sameTree(t, before, snapshot(t, f.base))
			return err
		}, ErrBadOffset},
		{"part file is a symlink", func(t *testing.T, f *fixture) error {
			f.symlink(t, "hello.txt", ".a.bin.tether-part")
			before := snapshot(t, f.base)
			_, err := f.r.Create("a.bin", 10, 3, false)
			sameTree(t, before, snapshot(t, f.base))
			return err
		}, ErrPathNotAllowed},
		{"part file is a hard link", func(t *testing.T, f *fixture) error {
			if runtime.GOOS == "windows" {
				t.Skip("link count not available")
			}
			if err := os.Link(f.path("hello.txt"), f.path(".a.bin.tether-part")); err != nil {
				t.Skip(err)
			}
			before := snapshot(t, f.base)
			_, err := f.r.Create("a.bin", 10, 3, false)
			sameTree(t, before, snapshot(t, f.base))
			return err
		}, ErrPathNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			before := snapshot(t, f.base)
			err := tt.do(t, f)
			wantKind(t, err, tt.want)
			if !strings.Contains(tt.name, "part") {
				sameTree(t, before, snapshot(t, f.base))
			}
		})
	}
}

func TestUploadPlantedPartLinkIsReplaced(t *testing.T) {
	// A fresh upload removes a link planted under the part name instead
	// of writing through it.
	f := newFixture(t, Options{})
	f.symlink(t, "hello.txt", ".a.bin.tether-part")
	if _, err := upload(f.r, "a.bin", "new content", false); err != nil {
		t.Fatal(err)
	}
	if got := read(t, f.path("hello.txt")); got != "hello" {
		t.Errorf("link target written: %q", got)
	}
	if got := read(t, f.path("a.bin")); got != "new content" {
		t.Errorf("a.bin = %q", got)
	}
}

func TestUploadOverwrite(t *testing.T) {
	f := newFixture(t, Options{})
	if _, err := upload(f.r, "hello.txt", "replaced", true); err != nil {
		t.Fatal(err)
	}
	if got := read(t, f.path("hello.txt")); got != "replaced" {
		t.Errorf("content %q", got)
	}
}

func TestUploadTooLargeWhileWriting(t *testing.T) {
	tests := []struct {
		name    string
		maxSize int64
		size    int64
	}{
		{"more than announced", 0, 5},
		{"unknown size over the maximum", 5, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			r := f.open(t, Options{MaxSize: tt.maxSize}, false)
			before := snapshot(t, f.base)
			w, err := r.Create("a.bin", tt.size, 0, false)
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.Copy(w, strings.NewReader("123456"))
			wantKind(t, err, ErrTooLarge)
			if Code(err) != "file_too_large" {
				t.Errorf("code %q", Code(err))
			}
			if _, err := w.Commit(nil); err == nil {
				t.Error("commit after refusal succeeded")
			}
			sameTree(t, before, snapshot(t, f.base)) // part file gone
		})
	}
}

func TestUploadChecksumMismatch(t *testing.T) {
	f := newFixture(t, Options{})
	before := snapshot(t, f.base)
	w, err := f.r.Create("a.bin", 3, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("abc"))
	_, err = w.Commit(sum("abd"))
	wantKind(t, err, ErrChecksum)
	sameTree(t, before, snapshot(t, f.base))
}

func TestUploadIncomplete(t *testing.T) {
	f := newFixture(t, Options{})
	w, err := f.r.Create("a.bin", 6, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("abc"))
	_, err = w.Commit(nil)
	wantKind(t, err, ErrIncomplete)
	// Still open: the rest may come.
	w.Write([]byte("def"))
	if _, err := w.Commit(sum("abcdef")); err != nil {
		t.Fatal(err)
	}
}

func TestUploadResume(t *testing.T) {
	const content = "the quick brown fox jumps over the lazy dog"
	f := newFixture(t, Options{})
	w, err := f.r.Create("fox.txt", int64(len(content)), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(content[:20]))
	if _, err := f.r.Create("fox.txt", int64(len(content)), 0, false); !errors.Is(err, ErrBusy) || Code(err) != "conflict" {
		t.Errorf("second upload while the first runs: %v", err)
	}
	w.Close() // the link dropped

	n, err := f.r.Partial("fox.txt")
	if err != nil || n != 20 {
		t.Fatalf("Partial = %d, %v; want 20", n, err)
	}
	if _, err := os.Stat(f.path("fox.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("target exists before commit: %v", err)
	}
	// The client resumes a little earlier than it could: allowed.
	w, err = f.r.Create("fox.txt", int64(len(content)), 15, false)
	if err != nil {
		t.Fatal(err)
	}
	if w.Written() != 15 {
		t.Errorf("Written = %d", w.Written())
	}
	io.Copy(w, strings.NewReader(content[15:]))
	res, err := w.Commit(sum(content))
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, f.path("fox.txt")); got != content || res.Size != int64(len(content)) {
		t.Errorf("content %q, size %d", got, res.Size)
	}
	if n, _ := f.r.Partial("fox.txt"); n != 0 {
		t.Errorf("Partial after commit = %d", n)
	}
}

func TestCommitTargetAppeared(t *testing.T) {
	// A file that appears at the target during the upload is not
	// overwritten; the finished part stays and can be committed with
	// overwrite by resuming at its end.
	f := newFixture(t, Options{})
	w, err := f.r.Create("a.txt", 3, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("new"))
	write(t, f.path("a.txt"), "someone else's")
	_, err = w.Commit(sum("new"))
	wantKind(t, err, ErrExists)
	if got := read(t, f.path("a.txt")); got != "someone else's" {
		t.Errorf("overwritten: %q", got)
	}
	if n, _ := f.r.Partial("a.txt"); n != 3 {
		t.Fatalf("Partial = %d", n)
	}
	w, err = f.r.Create("a.txt", 3, 3, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(sum("new")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, f.path("a.txt")); got != "new" {
		t.Errorf("content %q", got)
	}
}

func TestLongNamePartFile(t *testing.T) {
	name := strings.Repeat("n", 250) // ".name.tether-part" would pass 255
	f := newFixture(t, Options{})
	w, err := f.r.Create(name, 2, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("ab"))
	w.Close()
	if n, err := f.r.Partial(name); n != 2 || err != nil {
		t.Fatalf("Partial = %d, %v", n, err)
	}
	w, err = f.r.Create(name, 2, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(sum("ab")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(f.dir, name)); got != "ab" {
		t.Errorf("content %q", got)
	}
}

func TestAbort(t *testing.T) {
	f := newFixture(t, Options{})
	before := snapshot(t, f.base)
	w, err := f.r.Create("a.bin", -1, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("partial"))
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	sameTree(t, before, snapshot(t, f.base))
	if err := w.Abort(); err != nil {
		t.Errorf("second Abort: %v", err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("Write after Abort succeeded")
	}
}
