package files

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tetherhq/tether/internal/testdir"
)

// fixture is a root directory next to an "outside" directory holding a
// secret, so tests can see whether anything escaped.
type fixture struct {
	base, dir, outside string
	r                  *Root
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	base := testdir.New(t)
	f := &fixture{base: base, dir: filepath.Join(base, "root"), outside: filepath.Join(base, "outside")}
	for _, d := range []string{f.dir, f.outside, filepath.Join(f.outside, "sub")} {
		mkdir(t, d)
	}
	write(t, filepath.Join(f.outside, "secret"), "outside secret")
	write(t, filepath.Join(f.dir, "hello.txt"), "hello")
	mkdir(t, filepath.Join(f.dir, "docs"))
	f.r = f.open(t, opts, false)
	return f
}

func (f *fixture) open(t *testing.T, opts Options, windows bool) *Root {
	t.Helper()
	r, err := openRoot(f.dir, opts, windows)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// path is a file inside the root, in OS form.
func (f *fixture) path(rel string) string { return filepath.Join(f.dir, filepath.FromSlash(rel)) }

// symlink makes root/rel point at target; tests that need links skip
// where the OS will not make them: Windows without the privilege, and
// Wine 8, whose CreateSymbolicLinkW reports success and makes nothing.
func (f *fixture) symlink(t *testing.T, target, rel string) {
	t.Helper()
	if err := f.trySymlink(target, rel); err != nil {
		t.Skip(err)
	}
}

// trySymlink makes root/rel point at target and says why it could not.
func (f *fixture) trySymlink(target, rel string) error {
	if err := os.Symlink(target, f.path(rel)); err != nil {
		return fmt.Errorf("symlink: %w", err)
	}
	if fi, err := os.Lstat(f.path(rel)); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return fmt.Errorf("symlink reported success but made no link (Wine): %v", err)
	}
	return nil
}

// snapshot describes every entry under base (root and outside): type,
// mode, size, link target and content hash. Comparing two snapshots shows
// whether an operation wrote anything anywhere.
func snapshot(t *testing.T, base string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		desc := fmt.Sprintf("%v %d", fi.Mode(), fi.Size())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			desc += " -> " + l
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			desc += " " + hex.EncodeToString(sum[:8])
		}
		if !fi.IsDir() {
			desc += " " + fi.ModTime().String()
		}
		out[p] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t *testing.T, before, after map[string]string) {
	t.Helper()
	if maps.Equal(before, after) {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if before[k] != after[k] {
			t.Errorf("changed: %s: %q -> %q", k, before[k], after[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(before)) {
		if _, ok := after[k]; !ok {
			t.Errorf("removed: %s", k)
		}
	}
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func wantKind(t *testing.T, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("err = %v, want %v", err, kind)
	}
}
