//go:build linux

package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/agent/desktop"
	"github.com/tetherhq/tether/internal/sitetest"
)

// TestRebootInViewer drives the viewer's reboot in headless Chromium
// (reboot.mjs) against a real site and a real (headless) jump client,
// whose OS reboot ends it; it is started again four seconds later, as its
// service would be after the restart.
func TestRebootInViewer(t *testing.T) {
	prerequisites(t)
	s := sitetest.Start(t, nil)
	exe := jumpClientBinary(t, s)
	defer desktop.Override(desktop.Nowhere(t.TempDir()).Find)()

	state := t.TempDir()
	var run func()
	run = func() {
		ctx, cancel := context.WithCancel(t.Context())
		reboot := func(context.Context) error {
			cancel()
			time.AfterFunc(4*time.Second, run) // the computer is back
			return nil
		}
		go agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: state, Reboot: reboot})
	}
	run()
	var l struct{ Items []struct{ ID, Status string } }
	sitetest.WaitFor(t, "jump client online", func() bool {
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		return len(l.Items) == 1 && l.Items[0].Status == "online"
	})
	var j struct {
		SessionID string `json:"session_id"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+l.Items[0].ID+"/jump", nil, &j); st != 201 {
		t.Fatalf("jump: %d", st)
	}
	node := exec.CommandContext(t.Context(), "node", "reboot.mjs")
	node.Env = append(os.Environ(), "SITE_URL="+s.URL, "TECH_NAME=tech", "TECH_PASSWORD=tech-password", "SESSION_ID="+j.SessionID)
	out, err := node.CombinedOutput()
	t.Logf("%s", strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("reboot.mjs: %v", err)
	}
}
