//go:build !windows

package agent_test

import (
	"os"
	"path/filepath"
	"strings"
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
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Exec="); ok {
			argv, err := installer.DesktopExecArgs(v)
			if err != nil {
				t.Fatal(err)
			}
			return logonEntry(path), argv
		}
	}
	t.Fatalf("entry without Exec=:\n%s", b)
	return "", nil
}

// anyLogonEntry reports whether the user has any autostart entry at all.
func anyLogonEntry(home string) bool {
	ents, _ := os.ReadDir(filepath.Join(home, ".config", "autostart"))
	return len(ents) > 0
}

// cleanLogonEntries: the entries live in the test's own home.
func cleanLogonEntries(*testing.T) {}
