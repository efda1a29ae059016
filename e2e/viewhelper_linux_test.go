//go:build linux

package e2e

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/xvfbtest"
)

// TestViewHelperHandOff: a jump client that cannot see the screen itself —
// a Windows service in session 0 — hands each view to `tether service
// view-helper`, a process in the user's session, with the view on its
// stdin. Here the real binary is the helper (as a child process; the
// Windows service starts it with CreateProcessAsUser in the console
// session instead) and the viewer gets the screen through it.
func TestViewHelperHandOff(t *testing.T) {
	x := xvfbtest.Start(t, 800, 600)
	t.Setenv("DISPLAY", x.Display)
	s := sitetest.Start(t, nil)
	helper := filepath.Join(t.TempDir(), "tether")
	buildAgent(t, "dev", helper)
	exe := jumpClientBinary(t, s)
	handed := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: t.TempDir(),
			ViewHelper: func(ctx context.Context, job agent.ViewHelperJob) error {
				handed <- struct{}{}
				return agent.StartViewHelper(ctx, helper, job)
			}})
	}()
	defer func() { cancel(); <-done }()
	var l struct{ Items []struct{ ID, Status string } }
	sitetest.WaitFor(t, "online", func() bool {
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		return len(l.Items) == 1 && l.Items[0].Status == "online"
	})
	var jump struct {
		SessionID string `json:"session_id"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+l.Items[0].ID+"/jump", nil, &jump); st != 201 {
		t.Fatalf("jump: %d", st)
	}
	if sc := firstScreen(t, s, jump.SessionID); sc.Width != 800 || sc.Height != 600 {
		t.Fatalf("screen %dx%d", sc.Width, sc.Height)
	}
	select {
	case <-handed:
	default:
		t.Fatal("the view was served without the helper")
	}
}
