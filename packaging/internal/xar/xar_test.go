package xar

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var when = time.Unix(1700000000, 0)

func sampleEntries() ([]Entry, map[string][]byte) {
	payload := bytes.Repeat([]byte("payload-bytes "), 5000)
	sum := sha1.Sum(payload)
	content := map[string][]byte{
		"Distribution":         []byte(`<?xml version="1.0"?><installer-gui-script minSpecVersion="1"/>`),
		"base.pkg/PackageInfo": []byte(`<pkg-info/>`),
		"base.pkg/Payload":     payload,
		"base.pkg/Scripts":     []byte("scripts"),
	}
	return []Entry{
		{Name: "Distribution", Mode: 0o644, ModTime: when, Data: content["Distribution"], Compress: true},
		{Name: "base.pkg", Dir: true, Mode: 0o755, ModTime: when},
		{Name: "base.pkg/PackageInfo", Mode: 0o644, ModTime: when, Data: content["base.pkg/PackageInfo"], Compress: true},
		{Name: "base.pkg/Payload", Mode: 0o644, ModTime: when, Stream: bytes.NewReader(payload), Size: int64(len(payload)), SHA1: sum[:]},
		{Name: "base.pkg/Scripts", Mode: 0o644, ModTime: when, Data: content["base.pkg/Scripts"]},
	}, content
}

func sample(t testing.TB) ([]byte, map[string][]byte) {
	entries, content := sampleEntries()
	var b bytes.Buffer
	if err := Write(&b, entries, when); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), content
}

func TestRoundTrip(t *testing.T) {
	b, content := sample(t)
	a, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range a.Files {
		paths = append(paths, f.Path)
	}
	if got := strings.Join(paths, " "); got != "Distribution base.pkg base.pkg/PackageInfo base.pkg/Payload base.pkg/Scripts" {
		t.Errorf("members: %s", got)
	}
	for name, want := range content {
		got, err := a.ReadFile(name, 1<<20)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, %v", name, len(got), err)
		}
	}
	if f, _ := a.Lookup("base.pkg/Payload"); f.Data.Encoding.Style != encStored || f.Data.Length != f.Data.Size {
		t.Errorf("Payload stored as %+v", f.Data)
	}
	if f, _ := a.Lookup("Distribution"); f.Data.Encoding.Style != encZlib || f.Data.Offset != sha1Size {
		t.Errorf("Distribution stored as %+v; it must follow the TOC checksum", f.Data)
	}
}

func TestCorruptionDetected(t *testing.T) {
	b, _ := sample(t)
	a, _ := Open(bytes.NewReader(b), int64(len(b)))
	f, _ := a.Lookup("base.pkg/Payload")
	bad := bytes.Clone(b)
	bad[a.heap+f.Data.Offset+100] ^= 0xff
	a2, err := Open(bytes.NewReader(bad), int64(len(bad)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a2.ReadFile("base.pkg/Payload", 1<<20); !errors.Is(err, ErrFormat) {
		t.Errorf("corrupt payload: err = %v", err)
	}
	bad = bytes.Clone(b)
	bad[headerSize+5] ^= 0xff // inside the compressed TOC
	if _, err := Open(bytes.NewReader(bad), int64(len(bad))); !errors.Is(err, ErrFormat) {
		t.Errorf("corrupt TOC: err = %v", err)
	}
}

func TestWriteRejects(t *testing.T) {
	sum := sha1.Sum([]byte("x"))
	for name, in := range map[string][]Entry{
		"orphan":        {{Name: "a/b", Data: []byte("x")}},
		"file parent":   {{Name: "a", Data: nil}, {Name: "a/b", Data: []byte("x")}},
		"dot":           {{Name: "..", Dir: true}},
		"twice":         {{Name: "a", Dir: true}, {Name: "a", Dir: true}},
		"stream no sum": {{Name: "a", Stream: bytes.NewReader(nil)}},
	} {
		if err := Write(&bytes.Buffer{}, in, when); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// A stream that is not what its SHA-1 says fails the write.
	err := Write(&bytes.Buffer{}, []Entry{{Name: "a", Stream: strings.NewReader("y"), Size: 1, SHA1: sum[:]}}, when)
	if !errors.Is(err, ErrFormat) {
		t.Errorf("wrong stream: err = %v", err)
	}
}

// TestBsdtar reads the archive with libarchive, an independent xar reader.
func TestBsdtar(t *testing.T) {
	if _, err := exec.LookPath("bsdtar"); err != nil {
		if os.Getenv("TETHER_REQUIRE_PKGTOOLS") != "" {
			t.Fatal("bsdtar not installed (Debian: libarchive-tools)")
		}
		t.Skip("bsdtar not installed")
	}
	b, content := sample(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "x.pkg")
	os.WriteFile(p, b, 0o644)
	out, err := exec.Command("bsdtar", "-tf", p).CombinedOutput()
	if err != nil {
		t.Fatalf("bsdtar -tf: %v\n%s", err, out)
	}
	for name := range content {
		if !strings.Contains(string(out), name+"\n") {
			t.Errorf("bsdtar does not list %s:\n%s", name, out)
		}
	}
	x := filepath.Join(dir, "x")
	os.Mkdir(x, 0o755)
	if out, err := exec.Command("bsdtar", "-xf", p, "-C", x).CombinedOutput(); err != nil {
		t.Fatalf("bsdtar -xf: %v\n%s", err, out)
	}
	for name, want := range content {
		got, err := os.ReadFile(filepath.Join(x, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("bsdtar extracted %s: %d bytes, %v", name, len(got), err)
		}
	}
	if st, _ := os.Stat(filepath.Join(x, "base.pkg")); st == nil || !st.IsDir() || st.Mode().Perm() != 0o755 {
		t.Errorf("base.pkg extracted as %v", st)
	}
	if st, _ := os.Stat(filepath.Join(x, "Distribution")); st == nil || st.Mode().Perm() != fs.FileMode(0o644) || !st.ModTime().Equal(when) {
		t.Errorf("Distribution extracted as %v", st)
	}
	// libarchive checks the per-file SHA-1s: a flipped byte fails, so the
	// clean extraction above also vouches for the checksums we wrote.
	a, _ := Open(bytes.NewReader(b), int64(len(b)))
	f, _ := a.Lookup("base.pkg/Payload")
	bad := bytes.Clone(b)
	bad[a.heap+f.Data.Offset+100] ^= 0xff
	os.WriteFile(p, bad, 0o644)
	out, err = exec.Command("bsdtar", "-xf", p, "-C", t.TempDir()).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Payload") {
		t.Errorf("bsdtar accepted a corrupt payload: %v %s", err, out)
	}
}

func FuzzOpen(f *testing.F) {
	b, _ := sample(f)
	f.Add(b)
	f.Add(b[:200])
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for _, file := range a.Files {
			a.ReadFile(file.Path, 1<<20)
		}
	})
}
