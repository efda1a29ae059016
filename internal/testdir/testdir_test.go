package testdir

import (
	"github.com/tetherhq/tether/internal/removeall"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPattern(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"TestX", "TestX-*"},
		{"TestX/sub case", "TestX_sub case-*"},
		{`a\b:c*d?e"f<g>h|i`, "a_b_c_d_e_f_g_h_i-*"},
		{strings.Repeat("n", 80), strings.Repeat("n", 64) + "-*"},
	} {
		if got := pattern(tc.name); got != tc.want {
			t.Errorf("pattern(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestRemoveAll: a tree with files and nested directories goes; so does
// a directory that is already gone.
func TestRemoveAll(t *testing.T) {
	base := New(t)
	dir := filepath.Join(base, "tree")
	if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"f", "a/f", "a/b/f"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := removeall.Each(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dir); !os.IsNotExist(err) {
		t.Fatalf("tree still there: %v", err)
	}
	if err := RemoveAll(dir); err != nil {
		t.Fatalf("RemoveAll of a missing dir: %v", err)
	}
	if err := os.WriteFile(filepath.Join(base, "left"), []byte("x"), 0o644); err != nil {
		t.Fatal(err) // New's own cleanup removes it
	}
}
