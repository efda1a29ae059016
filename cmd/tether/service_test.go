package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetherhq/tether/installer"
)

// TestServiceHelpGolden pins `tether service` and its control verbs
// (SPEC F: tether service run|start|stop|restart|status).
func TestServiceHelpGolden(t *testing.T) {
	for _, args := range [][]string{
		{"service", "--help"},
		{"service", "status", "--help"},
	} {
		name := strings.Join(args[:len(args)-1], "-")
		t.Run(name, func(t *testing.T) { helpGolden(t, name, args) })
	}
}

// TestServiceControlCLI checks the wiring: flags → installer.RunControl →
// printed text and exit status. The launchers themselves are tested in
// package installer.
func TestServiceControlCLI(t *testing.T) {
	stopped := t.TempDir() // an XDG-autostart install whose agent is not running
	rec := installer.Record{Version: installer.RecordVersion, ID: "0123456789", Dir: stopped, Binary: "tether",
		Launcher: installer.LauncherXDGAutostart, ServiceName: "tether-0123456789"}
	b, _ := json.Marshal(rec)
	os.MkdirAll(filepath.Join(stopped, "state"), 0o700)
	if err := os.WriteFile(installer.RecordPath(stopped), b, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	for _, c := range []struct {
		args         []string
		code         int
		stdout, errs string
	}{
		{[]string{"service", "status", "--install-dir", stopped}, 3, "Tether jump client is not running.\n", ""},
		{[]string{"service", "stop", "--install-dir", stopped}, 0, "Tether jump client is not running.\n", ""},
		{[]string{"service", "status", "--install-dir", empty}, 4, "", "no Tether jump client is installed in " + empty},
		{[]string{"service", "restart", "--install-dir", empty}, 5, "", "no Tether jump client is installed"},
		{[]string{"service", "reload"}, 2, "", ""},
	} {
		t.Run(strings.Join(c.args[:2], " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := rootCmd()
			cmd.SetOut(&stdout)
			cmd.SetErr(&stderr)
			cmd.SetArgs(c.args)
			err := cmd.Execute()
			code := 0
			if err != nil {
				code = exitStatus(err)
			}
			if code != c.code || stdout.String() != c.stdout || !strings.Contains(stderr.String(), c.errs) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, stdout.String(), stderr.String(), c.code, c.stdout, c.errs)
			}
		})
	}
}
