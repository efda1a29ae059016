//go:build linux

package e2e

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/agent/desktop"
	"github.com/tetherhq/tether/internal/sitetest"
)

// TestJumpConsole drives the console's jump list in headless Chromium
// (jump.mjs) against a real site with two real jump clients.
func TestJumpConsole(t *testing.T) {
	prerequisites(t)
	s := sitetest.Start(t, nil)
	var in struct {
		DownloadURL string `json:"download_url"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"tag": "lab", "valid_for": "1h"}, &in); st != 201 {
		t.Fatalf("installer: %d", st)
	}
	// A Windows template MSI, so the form offers msi (jump.mjs checks
	// its install line).
	s.StandInMSI("windows-amd64", strings.Repeat("ab", 32))
	res, err := s.Client.Get(in.DownloadURL + "?format=raw")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	exe := filepath.Join(t.TempDir(), "tether")
	os.WriteFile(exe, b, 0o755)
	// Headless computers, whatever X servers this machine runs.
	defer desktop.Override(desktop.Nowhere(t.TempDir()).Find)()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	for range 2 {
		go agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: t.TempDir()})
	}
	node := exec.CommandContext(t.Context(), "node", "jump.mjs")
	node.Env = append(os.Environ(), "SITE_URL="+s.URL, "TECH_NAME=tech", "TECH_PASSWORD=tech-password")
	out, err := node.CombinedOutput()
	t.Logf("%s", strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("jump.mjs: %v", err)
	}
}
