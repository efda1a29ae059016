package cpio

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func sample(t testing.TB) []byte {
	var b bytes.Buffer
	w := NewWriter(&b)
	for _, e := range []struct {
		h    Header
		data string
	}{
		{Header{Name: ".", Mode: TypeDir | 0o755, MTime: 1700000000}, ""},
		{Header{Name: "./tether", Mode: TypeRegular | 0o755, MTime: 1700000000, Size: 5}, "agent"},
		{Header{Name: "./a dir", Mode: TypeDir | 0o700, UID: 501, GID: 20}, ""},
		{Header{Name: "./a dir/cfg", Mode: TypeRegular | 0o600, UID: 501, GID: 20, Size: 3}, "c\x00g"},
	} {
		if err := w.WriteHeader(&e.h); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRoundTrip(t *testing.T) {
	entries, err := ReadAll(bytes.NewReader(sample(t)), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Fatalf("%d entries", len(entries))
	}
	if e := entries[3]; e.Name != "./a dir/cfg" || string(e.Data) != "c\x00g" || e.UID != 501 || e.FileMode() != 0o600 {
		t.Errorf("entry 3 = %+v", e)
	}
	if !entries[0].IsDir() || entries[0].Nlink != 2 || entries[1].Ino == entries[3].Ino {
		t.Errorf("dir or inode numbers wrong: %+v", entries)
	}
}

// TestGNUcpio extracts with GNU cpio, an independent reader.
func TestGNUcpio(t *testing.T) {
	if _, err := exec.LookPath("cpio"); err != nil {
		if os.Getenv("TETHER_REQUIRE_PKGTOOLS") != "" {
			t.Fatal("cpio not installed")
		}
		t.Skip("cpio not installed")
	}
	dir := t.TempDir()
	cmd := exec.Command("cpio", "-idm", "--quiet", "--no-preserve-owner")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(sample(t))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cpio: %v\n%s", err, out)
	}
	st, err := os.Stat(filepath.Join(dir, "tether"))
	if err != nil || st.Mode().Perm() != 0o755 || st.Size() != 5 || st.ModTime().Unix() != 1700000000 {
		t.Fatalf("tether extracted as %v (%v)", st, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a dir", "cfg")); string(b) != "c\x00g" {
		t.Errorf("cfg = %q", b)
	}
}

func TestWriterRejects(t *testing.T) {
	w := NewWriter(&bytes.Buffer{})
	if err := w.WriteHeader(&Header{Name: "x", Mode: 0o120777}); !errors.Is(err, ErrFormat) {
		t.Errorf("symlink: %v", err)
	}
	if err := w.WriteHeader(&Header{Name: "x", Mode: TypeRegular, UID: 1 << 20}); !errors.Is(err, ErrFormat) {
		t.Errorf("big uid: %v", err)
	}
	w.WriteHeader(&Header{Name: "x", Mode: TypeRegular, Size: 2})
	if _, err := w.Write([]byte("abc")); !errors.Is(err, ErrFormat) {
		t.Errorf("overlong data: %v", err)
	}
	if err := w.WriteHeader(&Header{Name: "y", Mode: TypeRegular}); !errors.Is(err, ErrFormat) {
		t.Errorf("short entry: %v", err)
	}
}

func FuzzReadAll(f *testing.F) {
	f.Add(sample(f))
	f.Add([]byte(magic + "0000000000000000000000000000000000000000000000000000000000000000000000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ReadAll(bytes.NewReader(b), 1<<20)
	})
}
