package removeall_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tetherhq/tether/internal/removeall"
	"github.com/tetherhq/tether/internal/testdir"
)

// TestEach removes a nested tree entry by entry and does not follow a
// link out of it: what the link points at stays. (On Linux os.RemoveAll
// works, so this is where Each's own walk is exercised; under Wine the
// installer and the tests' directories fall back to it.)
func TestEach(t *testing.T) {
	root := testdir.New(t) // Wine-safe: t.TempDir cannot clean up there
	outside := filepath.Join(root, "outside")
	dir := filepath.Join(root, "tree")
	for _, d := range []string{outside, filepath.Join(dir, "a", "b", "c"), filepath.Join(dir, "empty")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(outside, "keep"), filepath.Join(dir, "top"), filepath.Join(dir, "a", "b", "c", "deep")} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "a", "link")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := removeall.Each(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dir); !os.IsNotExist(err) {
		t.Fatalf("the tree is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "keep")); err != nil {
		t.Fatalf("followed the link out of the tree: %v", err)
	}
	if err := removeall.Each(filepath.Join(root, "never-was")); err != nil {
		t.Fatalf("a tree already gone: %v", err)
	}
}
