//go:build !windows

package agent_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tetherhq/tether/installer"
)

// logonEntry is the support app's one-shot logon entry of a session: on
// Linux (and what these tests set up) an XDG autostart file.
type logonEntry string

func (e logonEntry) gone() bool { return !exists(string(e)) }

// entryCommand reads the Exec= line of the session's XDG autostart entry.
func entryCommand(t *testing.T, home, session string) (logonEntry, []string) {
	t.Helper()
	path := filepath.Join(home, ".config", "autostart", "tether-rejoin-"+session+".desktop")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no logon entry: %v", err)
	}
	argv, err := installer.DesktopFileArgs(b)
	if err != nil {
		t.Fatalf("%v in:\n%s", err, b)
	}
	return logonEntry(path), argv
}

// anyLogonEntry reports whether the user has any autostart entry at all.
func anyLogonEntry(home string) bool {
	ents, _ := os.ReadDir(filepath.Join(home, ".config", "autostart"))
	return len(ents) > 0
}

// cleanLogonEntries: the entries live in the test's own home.
func cleanLogonEntries(*testing.T) {}
