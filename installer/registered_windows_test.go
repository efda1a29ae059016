package installer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tetherhq/tether/internal/testdir"
)

// TestInstalledNeedsTheAgent: a user-mode jump client's Run value counts
// only while the agent it starts is there, and only under an install's
// name (Windows keeps registrations in the registry; runs under Wine).
func TestInstalledNeedsTheAgent(t *testing.T) {
	dir := filepath.Join(testdir.New(t), "jump client")
	bin := filepath.Join(dir, "tether.exe")
	name := "tether-" + InstanceID(dir)
	cmdline := windowsQuote(bin) + " service run"
	for _, n := range []string{name, "tether-notanid"} {
		if err := setRunKey(n, cmdline); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { deleteRunKey(n) })
	}
	if got := findRegistration(Installed(""), name); got != nil {
		t.Fatalf("a registration without its agent counted: %+v", got)
	}
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(bin, []byte("MZ"), 0o755); err != nil {
		t.Fatal(err)
	}
	got := Installed("")
	r := findRegistration(got, name)
	if r == nil || r.Kind != "run-key" || r.Binary != bin {
		t.Fatalf("registered install not found as run-key for %s: %+v", bin, got)
	}
	if findRegistration(got, "tether-notanid") != nil {
		t.Fatalf("a foreign name counted: %+v", got)
	}
}

func findRegistration(regs []Registration, name string) *Registration {
	for i := range regs {
		if regs[i].Name == name {
			return &regs[i]
		}
	}
	return nil
}
