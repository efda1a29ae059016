package installer

import (
	"os"
	"path/filepath"
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
