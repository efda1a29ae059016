//go:build !windows

package installer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetherhq/tether/internal/testdir"
)

// TestInstalledNeedsTheAgent: a registration counts only while the agent it
// starts is there.
func TestInstalledNeedsTheAgent(t *testing.T) {
	home := testdir.New(t)
	dir := filepath.Join(testdir.New(t), "jc")
	d := newFileData(dir, InstanceID(dir), "me", "tether")
	b, _ := render(tmplDesktop, d)
	os.MkdirAll(filepath.Join(home, ".config", "autostart"), 0o755)
	os.WriteFile(xdgAutostartFile(home, "tether-"+d.ID), b, 0o644)
	os.WriteFile(xdgAutostartFile(home, "tether-notanid"), b, 0o644) // not an install's name
	if got := Installed(home); hasHome(got, home) {
		t.Fatalf("a registration without its agent counted: %+v", got)
	}
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "tether"), []byte("agent"), 0o755)
	got := Installed(home)
	if !hasHome(got, home) {
		t.Fatalf("registered install not found: %+v", got)
	}
	for _, r := range got {
		if r.Name == "tether-notanid" {
			t.Fatalf("a foreign name counted: %+v", r)
		}
	}
}

func hasHome(regs []Registration, home string) bool {
	for _, r := range regs {
		if strings.HasPrefix(r.Path, home+string(filepath.Separator)) {
			return true
		}
	}
	return false
}
