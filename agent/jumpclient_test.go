package agent_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/wire"
)

func installerBinary(t *testing.T, s *sitetest.Site, validFor string) string {
	t.Helper()
	var in map[string]any
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"tag": "lab", "valid_for": validFor}, &in); st != 201 {
		t.Fatalf("create installer: %d", st)
	}
	res, err := s.Client.Get(in["download_url"].(string) + "?format=raw")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	p := filepath.Join(t.TempDir(), "tether")
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("download: %d %s", res.StatusCode, b)
	}
	os.WriteFile(p, b, 0o755)
	return p
}

func TestJumpClientEnrolsAndRejoins(t *testing.T) {
	s := sitetest.Start(t, nil)
	exe := installerBinary(t, s, "1h")
	state := t.TempDir()
	id, stop := startJumpClient(t, s, exe, state)
	var l struct {
		Items []struct{ ID, Status, Tag string }
	}
	if s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l); len(l.Items) != 1 || l.Items[0].Tag != "lab" {
		t.Fatalf("enrolled: %+v", l.Items)
	}
	stop()
	waitOffline(t, s, id)
	// Once enrolled, the installer's expiry no longer matters: it rejoins
	// with its identity as the same jump client.
	s.Clock.Advance(2 * time.Hour)
	again, cancel, done := startJumpClient3(t, s, exe, state)
	defer cancel()
	if again != id {
		t.Fatalf("rejoined as %s, enrolled as %s", again, id)
	}
	// Removing it revokes access at once and stops the client.
	s.Do(s.Token, "DELETE", "/api/v1/jump-clients/"+id, nil, nil)
	if err := result(t, done); wire.CodeOf(err) != wire.JCNotFound {
		t.Fatalf("after removal: %v", err)
	}
}

// result waits for a jump client to stop by itself; a client that keeps
// running fails the test instead of hanging it.
func result(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("jump client kept running")
		return nil
	}
}

// runUntilRefused runs a jump client that the site is expected to refuse
// for good; it is cut off after 30 s so that a wrong answer cannot hang.
func runUntilRefused(t *testing.T, exe, state string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	return agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: state})
}

func waitOffline(t *testing.T, s *sitetest.Site, id string) {
	t.Helper()
	sitetest.WaitFor(t, "jump client offline", func() bool {
		var l struct{ Items []struct{ ID, Status string } }
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		for _, it := range l.Items {
			if it.ID == id {
				return it.Status == "offline"
			}
		}
		return false
	})
}

func TestExpiredInstallerNeverEnrols(t *testing.T) {
	s := sitetest.Start(t, nil)
	exe := installerBinary(t, s, "1h")
	s.Clock.Advance(time.Hour)
	err := runUntilRefused(t, exe, t.TempDir())
	if wire.CodeOf(err) != wire.InstallerExpired {
		t.Fatalf("got %v", err)
	}
	var l struct{ Items []any }
	s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
	if len(l.Items) != 0 {
		t.Fatalf("expired installer enrolled: %v", l.Items)
	}
}

func TestJumpClientMakesHostInstalled(t *testing.T) {
	s := sitetest.Start(t, nil)
	exe := installerBinary(t, s, "1h")
	state := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: state}) }()
	sitetest.WaitFor(t, "enrolment saved", func() bool {
		_, err := os.Stat(filepath.Join(state, agent.JumpClientFile))
		return err == nil
	})
	cancel()
	result(t, done)
	ss := s.CreateSession(nil)
	app := download(t, s, ss.Code)
	wantCode(t, run(t, app, state, ss.SecurityCode), wire.HostInstalled)
}

func TestJumpClientLimits(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.JCLimitTotal, o.JCLimitActive = 2, 1 })
	exe := installerBinary(t, s, "1h")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: t.TempDir()}) }()
	var l struct{ Items []struct{ Status string } }
	sitetest.WaitFor(t, "first online", func() bool {
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		return len(l.Items) == 1 && l.Items[0].Status == "online"
	})
	// A second computer enrols but may not be active while the first is:
	// it checks in passively instead (C9, C11).
	sctx, scancel := context.WithCancel(t.Context())
	second := make(chan error, 1)
	go func() { second <- agent.RunJumpClient(sctx, agent.JumpOptions{Executable: exe, StateDir: t.TempDir()}) }()
	sitetest.WaitFor(t, "second listed passive", func() bool {
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		return len(l.Items) == 2 && l.Items[0].Status != l.Items[1].Status &&
			(l.Items[0].Status == "passive" || l.Items[1].Status == "passive")
	})
	scancel()
	result(t, second)
	var err error
	// A third computer is past the deployable limit.
	err = runUntilRefused(t, exe, t.TempDir())
	if wire.CodeOf(err) != wire.JCLimitTotal {
		t.Fatalf("third: %v", err)
	}
	cancel()
	<-done
}

func startJumpClient(t *testing.T, s *sitetest.Site, exe, state string) (id string, stop func() error) {
	t.Helper()
	id, cancel, done := startJumpClient3(t, s, exe, state)
	return id, func() error { cancel(); return result(t, done) }
}

// startJumpClient3 runs a jump client until cancel and reports its result
// on done.
func startJumpClient3(t *testing.T, s *sitetest.Site, exe, state string) (id string, cancel context.CancelFunc, done chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done = make(chan error, 1)
	go func() { done <- agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: state}) }()
	sitetest.WaitFor(t, "jump client online", func() bool {
		var l struct{ Items []struct{ ID, Status string } }
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		for _, it := range l.Items {
			if it.Status == "online" {
				b, _ := os.ReadFile(filepath.Join(state, agent.JumpClientFile))
				if strings.Contains(string(b), it.ID) {
					id = it.ID
					return true
				}
			}
		}
		return false
	})
	return id, cancel, done
}

func TestLocalDisable(t *testing.T) {
	s := sitetest.Start(t, nil)
	state := t.TempDir()
	id, stop := startJumpClient(t, s, installerBinary(t, s, "1h"), state)
	defer stop()
	if err := agent.SetDisabled(state, true); err != nil {
		t.Fatal(err)
	}
	var eb sitetest.ErrorBody
	sitetest.WaitFor(t, "jump refused as disabled", func() bool {
		return s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &eb) == 409 && eb.Error.Code == "jc_disabled"
	})
	if eb.Error.Message != wire.JCDisabled.Message() {
		t.Fatalf("text %q", eb.Error.Message)
	}
	agent.SetDisabled(state, false)
	sitetest.WaitFor(t, "jump allowed again", func() bool {
		return s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, nil) == 201
	})
}

func TestBulkPropertiesAndRemove(t *testing.T) {
	s := sitetest.Start(t, nil)
	exe := installerBinary(t, s, "1h")
	a, stopA, doneA := startJumpClient3(t, s, exe, t.TempDir())
	defer stopA()
	b, stopB := startJumpClient(t, s, exe, t.TempDir())
	defer stopB()
	var res struct {
		Done   int
		Failed map[string]struct{ Code string }
	}
	if st := s.Do(s.Token, "PATCH", "/api/v1/jump-clients", map[string]any{"ids": []string{a, b, "nope"}, "tag": "moved"}, &res); st != 200 ||
		res.Done != 2 || res.Failed["nope"].Code != "jc_not_found" {
		t.Fatalf("bulk patch: %d %+v", st, res)
	}
	var l struct{ Items []struct{ Tag string } }
	s.Do(s.Token, "GET", "/api/v1/jump-clients?tag=moved", nil, &l)
	if len(l.Items) != 2 {
		t.Fatalf("tagged: %+v", l.Items)
	}
	if st := s.Do(s.Token, "DELETE", "/api/v1/jump-clients", map[string]any{"ids": []string{a, b}}, &res); st != 200 || res.Done != 2 {
		t.Fatalf("bulk remove: %d %+v", st, res)
	}
	// The removed client is told at once and stops by itself.
	if err := result(t, doneA); wire.CodeOf(err) != wire.JCNotFound {
		t.Fatalf("removed client A: %v", err)
	}
}

func TestOfflineFor180DaysIsRemoved(t *testing.T) {
	s := sitetest.Start(t, nil)
	exe := installerBinary(t, s, "1h")
	state := t.TempDir()
	_, stop := startJumpClient(t, s, exe, state)
	stop()
	var off struct{ Items []struct{ Status string } }
	sitetest.WaitFor(t, "offline", func() bool {
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &off)
		return len(off.Items) == 1 && off.Items[0].Status == "offline"
	})
	s.Clock.Advance(179 * 24 * time.Hour)
	var l struct{ Items []any }
	time.Sleep(100 * time.Millisecond)
	if s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l); len(l.Items) != 1 {
		t.Fatalf("after 179 days: %d", len(l.Items))
	}
	s.Clock.Advance(2 * 24 * time.Hour)
	sitetest.WaitFor(t, "removed after 180 days", func() bool {
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		return len(l.Items) == 0
	})
	err := runUntilRefused(t, exe, state)
	if wire.CodeOf(err) != wire.JCNotFound {
		t.Fatalf("returning client: %v", err)
	}
}

// TestJumpClientBeatsKeepItOnline: with a 200 ms heartbeat the site drops a
// link that stays silent for 400 ms; the agent's beats keep it connected.
func TestJumpClientBeatsKeepItOnline(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.Heartbeat = 200 * time.Millisecond })
	exe := installerBinary(t, s, "1h")
	id, stop := startJumpClient(t, s, exe, t.TempDir())
	defer stop()
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		var jc struct{ Status string }
		if s.Do(s.Token, "GET", "/api/v1/jump-clients/"+id, nil, &jc); jc.Status != "online" {
			t.Fatalf("beating jump client is %s", jc.Status)
		}
	}
}
