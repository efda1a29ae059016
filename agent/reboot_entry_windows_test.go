package agent_test

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// On Windows the logon entry is a value under HKCU\…\RunOnce (installer's
// run-once kind): the tests read the registry of the Wine prefix.
const runOnceKey = `Software\Microsoft\Windows\CurrentVersion\RunOnce`

// logonEntry is the name of the session's RunOnce value.
type logonEntry string

func (e logonEntry) gone() bool {
	k, err := registry.OpenKey(registry.CURRENT_USER, runOnceKey, registry.QUERY_VALUE)
	if err != nil {
		return true
	}
	defer k.Close()
	_, _, err = k.GetStringValue(string(e))
	return errors.Is(err, registry.ErrNotExist)
}

// entryCommand reads the command line of the session's RunOnce value.
func entryCommand(t *testing.T, _, session string) (logonEntry, []string) {
	t.Helper()
	name := "tether-rejoin-" + session
	k, err := registry.OpenKey(registry.CURRENT_USER, runOnceKey, registry.QUERY_VALUE)
	if err != nil {
		t.Fatalf("no logon entry: %v", err)
	}
	defer k.Close()
	v, _, err := k.GetStringValue(name)
	if err != nil {
		t.Fatalf("no logon entry: %v", err)
	}
	argv, err := windows.DecomposeCommandLine(v)
	if err != nil {
		t.Fatalf("entry %q: %v", v, err)
	}
	return logonEntry(name), argv
}

// rejoinValues lists the RunOnce values support apps register.
func rejoinValues() []string {
	k, err := registry.OpenKey(registry.CURRENT_USER, runOnceKey, registry.QUERY_VALUE)
	if err != nil {
		return nil
	}
	defer k.Close()
	names, _ := k.ReadValueNames(-1)
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, "tether-rejoin-") {
			out = append(out, n)
		}
	}
	return out
}

// anyLogonEntry reports whether any support app's RunOnce value is there.
func anyLogonEntry(string) bool { return len(rejoinValues()) > 0 }

// cleanLogonEntries removes, after the test, what it may leave in the
// prefix's registry (which outlives the test, unlike a temp home).
func cleanLogonEntries(t *testing.T) {
	t.Cleanup(func() {
		k, err := registry.OpenKey(registry.CURRENT_USER, runOnceKey, registry.SET_VALUE|registry.QUERY_VALUE)
		if err != nil {
			return
		}
		defer k.Close()
		for _, n := range rejoinValues() {
			k.DeleteValue(n)
		}
	})
}
