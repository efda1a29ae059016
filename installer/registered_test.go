package installer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRegistrationBinaries reads the agent path back out of every file an
// install registers, as Installed does — including the quoting of a dir
// with a space, a quote, % and $ (goldenData).
func TestRegistrationBinaries(t *testing.T) {
	want := filepath.Join(goldenData.Dir, "tether")
	for _, tc := range []struct {
		tmpl string
		read func([]byte) string
	}{
		{tmplSystemdUser, unitBinary},
		{tmplDesktop, desktopBinary},
		{tmplRootLauncher, initScriptBinary},
		{tmplLaunchAgent, plistBinary},
	} {
		b, err := render(tc.tmpl, goldenData)
		if err != nil {
			t.Fatal(err)
		}
		if got := tc.read(b); got != want {
			t.Errorf("%s: agent %q, want %q", tc.tmpl, got, want)
		}
	}
	// kardianos/service renders the system units itself.
	unit, _ := os.ReadFile(filepath.Join("testdata", "service-systemd.unit.golden"))
	if got := unitBinary(unit); got != "/opt/tether-0123456789/tether" {
		t.Errorf("systemd unit: %q", got)
	}
}

// TestInstalledNeedsTheAgent: a registration counts only while the agent it
// starts is there.
func TestInstalledNeedsTheAgent(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(t.TempDir(), "jc")
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

func FuzzRegistrationParsers(f *testing.F) {
	for _, tmpl := range []string{tmplSystemdUser, tmplDesktop, tmplRootLauncher, tmplLaunchAgent} {
		b, _ := render(tmpl, goldenData)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		unitBinary(b)
		desktopBinary(b)
		initScriptBinary(b)
		plistBinary(b)
	})
}
