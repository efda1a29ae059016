package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/installer"
	"github.com/tetherhq/tether/internal/sitetest"
)

// TestLocalDisableThroughCLI: the local user runs `tether service disable`
// (no --state-dir, as a person would) and the installed jump client — found
// from its install dir — is disabled: jumps get jc_disabled until
// `tether service enable` (C9).
func TestLocalDisableThroughCLI(t *testing.T) {
	t.Setenv(agent.EnvStateDir, "")
	s := sitetest.Start(t, nil)
	var in map[string]any
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"valid_for": "1h"}, &in); st != 201 {
		t.Fatalf("installer: %d", st)
	}
	res, err := s.Client.Get(in["download_url"].(string) + "?format=raw")
	if err != nil {
		t.Fatal(err)
	}
	build, _ := io.ReadAll(res.Body)
	res.Body.Close()
	// The layout an install leaves: DIR/tether and DIR/state/install.json.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "state"), 0o700)
	rec := installer.Record{Version: installer.RecordVersion, ID: installer.InstanceID(dir), Dir: dir, Binary: "tether",
		Launcher: installer.LauncherXDGAutostart, Mode: installer.ModeUser}
	b, _ := json.Marshal(rec)
	os.WriteFile(installer.RecordPath(dir), b, 0o600)
	exe := filepath.Join(dir, "tether")
	os.WriteFile(exe, build, 0o755)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: rec.StateDir()})
	}()
	defer func() { cancel(); <-done }()
	var l struct{ Items []struct{ ID, Status string } }
	sitetest.WaitFor(t, "online", func() bool {
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		return len(l.Items) == 1 && l.Items[0].Status == "online"
	})
	id := l.Items[0].ID

	cli := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		cmd := rootCmd()
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("tether %v: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	if out := cli("service", "disable", "--install-dir", dir); out != "Tether jump client disabled: technicians cannot start sessions until you run `tether service enable`.\n" {
		t.Fatalf("disable printed %q", out)
	}
	var eb sitetest.ErrorBody
	sitetest.WaitFor(t, "jump refused as disabled", func() bool {
		return s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &eb) == 409 && eb.Error.Code == "jc_disabled"
	})
	cli("service", "enable", "--install-dir", dir)
	sitetest.WaitFor(t, "jump allowed again", func() bool {
		return s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, nil) == 201
	})
}
