package installer

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// TestOneShotRunOnce writes, reads back and removes the RunOnce value
// (under Wine in scripts/test.sh: the registry is Wine's, the logon that
// would run it is not).
func TestOneShotRunOnce(t *testing.T) {
	argv := []string{`C:\Users\Ann Lee\Downloads\tether-support-123456789.exe`, "support", "--rejoin",
		"--state-dir", `C:\Users\Ann Lee\AppData\Roaming\Tether`, "--allow-control"}
	name := "tether-rejoin-0a1b2c"
	o, err := RegisterOneShot(name, argv)
	if err != nil {
		t.Fatal(err)
	}
	if o.Kind != OneShotRunOnce || o.Files[0] != `HKCU\`+runOnceKeyPath+`\`+name {
		t.Fatalf("entry %+v", o)
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, runOnceKeyPath, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := k.GetStringValue(name)
	k.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := windows.DecomposeCommandLine(v); err != nil || !slices.Equal(got, argv) {
		t.Fatalf("RunOnce runs %q = %q (%v), want %q", v, got, err, argv)
	}
	if err := o.Remove(); err != nil {
		t.Fatal(err)
	}
	k, _ = registry.OpenKey(registry.CURRENT_USER, runOnceKeyPath, registry.QUERY_VALUE)
	if _, _, err := k.GetStringValue(name); !errors.Is(err, registry.ErrNotExist) {
		t.Fatalf("value left: %v", err)
	}
	k.Close()
	if err := o.Remove(); err != nil {
		t.Fatalf("second remove: %v", err)
	}
	long := []string{`C:\` + strings.Repeat("x", 250) + `\tether.exe`, "support", "--rejoin"}
	if _, err := RegisterOneShot(name, long); err == nil {
		t.Fatal("a command line RunOnce cannot run was registered")
	}
}
