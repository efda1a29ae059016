package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/installer"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/testdir"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/wire"
)

func installerBinary(t *testing.T, s *sitetest.Site, validFor string) string {
	t.Helper()
	return installerBinaryWith(t, s, map[string]any{"tag": "lab", "valid_for": validFor})
}

// passiveInstallerBinary downloads an installer whose clients only check in.
func passiveInstallerBinary(t *testing.T, s *sitetest.Site) string {
	t.Helper()
	return installerBinaryWith(t, s, map[string]any{"tag": "lab", "valid_for": "1h", "passive": true})
}

// startPassiveClient runs a passive client until it is enrolled.
func startPassiveClient(t *testing.T, s *sitetest.Site, exe, state string) (string, context.CancelFunc, chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: state}) }()
	var id string
	sitetest.WaitFor(t, "passive client enrolled", func() bool {
		b, _ := os.ReadFile(filepath.Join(state, agent.JumpClientFile))
		var e struct{ ID string }
		json.Unmarshal(b, &e)
		id = e.ID
		return id != ""
	})
	return id, cancel, done
}

func installerBinaryWith(t *testing.T, s *sitetest.Site, body map[string]any) string {
	t.Helper()
	var in map[string]any
	if st := s.Do(s.Token, "POST", "/api/v1/installers", body, &in); st != 201 {
		t.Fatalf("create installer: %d", st)
	}
	return fetchRaw(t, s, in["download_url"].(string))
}

// fetchRaw downloads an installer's plain agent binary.
func fetchRaw(t *testing.T, s *sitetest.Site, url string) string {
	t.Helper()
	res, err := s.Client.Get(url + "?format=raw")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	p := filepath.Join(testdir.New(t), "tether")
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
	state := testdir.New(t)
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
	err := runUntilRefused(t, exe, testdir.New(t))
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
	state := testdir.New(t)
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

// The site's limits (C11): past --jc-limit-active a deployment of an active
// client is refused with jc_limit_active (never turned passive behind the
// admin's back), a passive one still enrols, switching it to active is
// refused the same way, and past --jc-limit-total any deployment gets
// jc_limit_total.
func TestJumpClientLimits(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.JCLimitTotal, o.JCLimitActive = 2, 1 })
	exe := installerBinary(t, s, "1h")
	_, stop := startJumpClient(t, s, exe, testdir.New(t))
	defer stop()
	if err := runUntilRefused(t, exe, testdir.New(t)); wire.CodeOf(err) != wire.JCLimitActive ||
		err.Error() != "The total number of active Jump Clients for this site has been reached." {
		t.Fatalf("second active deployment: %v", err)
	}
	var l struct{ Items []struct{ ID, Status string } }
	if s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l); len(l.Items) != 1 {
		t.Fatalf("the refused deployment is listed: %+v", l.Items)
	}
	passive := passiveInstallerBinary(t, s)
	pid, pcancel, pdone := startPassiveClient(t, s, passive, testdir.New(t))
	var eb sitetest.ErrorBody
	if st := s.Do(s.Token, "PATCH", "/api/v1/jump-clients/"+pid, map[string]any{"passive": false}, &eb); st != 409 || eb.Error.Code != "jc_limit_active" {
		t.Fatalf("passive → active past the limit: %d %+v", st, eb)
	}
	pcancel()
	result(t, pdone)
	if err := runUntilRefused(t, passive, testdir.New(t)); wire.CodeOf(err) != wire.JCLimitTotal {
		t.Fatalf("third deployment: %v", err)
	}
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
	return startJumpClientAs(t, s, s.Token, exe, state)
}

// startJumpClientAs is startJumpClient3 for a client that the holder of
// token can see.
func startJumpClientAs(t *testing.T, s *sitetest.Site, token, exe, state string) (id string, cancel context.CancelFunc, done chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done = make(chan error, 1)
	go func() { done <- agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: state}) }()
	sitetest.WaitFor(t, "jump client online", func() bool {
		var l struct{ Items []struct{ ID, Status string } }
		s.Do(token, "GET", "/api/v1/jump-clients", nil, &l)
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

func TestBulkPropertiesAndRemove(t *testing.T) {
	s := sitetest.Start(t, nil)
	exe := installerBinary(t, s, "1h")
	a, stopA, doneA := startJumpClient3(t, s, exe, testdir.New(t))
	defer stopA()
	b, stopB := startJumpClient(t, s, exe, testdir.New(t))
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

// TestOfflineFor180DaysIsRemoved: a jump client offline for 180 days is
// removed from the list and, when it comes back, uninstalls itself (C8).
func TestOfflineFor180DaysIsRemoved(t *testing.T) {
	s := sitetest.Start(t, nil)
	uninstalled := watchSelfUninstall(t)
	exe := installedBinary(t, installerBinary(t, s, "1h"), installer.Record{Launcher: installer.LauncherXDGAutostart})
	state := filepath.Join(filepath.Dir(exe), "state")
	_, stop := startJumpClient(t, s, exe, state)
	stop()
	var off struct{ Items []struct{ Status string } }
	sitetest.WaitFor(t, "offline", func() bool {
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &off)
		return len(off.Items) == 1 && off.Items[0].Status == "offline"
	})
	var l struct{ Items []any }
	s.Clock.Advance(179 * 24 * time.Hour)
	s.Server.Reap(t.Context())
	if s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l); len(l.Items) != 1 {
		t.Fatalf("after 179 days: %d", len(l.Items))
	}
	s.Clock.Advance(2 * 24 * time.Hour)
	s.Server.Reap(t.Context())
	if s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l); len(l.Items) != 0 {
		t.Fatalf("after 181 days: %d", len(l.Items))
	}
	err := runUntilRefused(t, exe, state)
	if wire.CodeOf(err) != wire.JCNotFound {
		t.Fatalf("returning client: %v", err)
	}
	if !uninstalled(filepath.Dir(exe)) {
		t.Fatal("the returning client did not uninstall itself")
	}
}

// TestRemovedWhileOfflineUninstalls: removed in the console while it was
// offline, a jump client uninstalls itself when it comes back (C8); a
// headless .bin install keeps its files for its uninstall script.
func TestRemovedWhileOfflineUninstalls(t *testing.T) {
	s := sitetest.Start(t, nil)
	uninstalled := watchSelfUninstall(t)
	for _, tc := range []struct {
		launcher installer.Launcher
		gone     bool
	}{{installer.LauncherXDGAutostart, true}, {installer.LauncherInitScript, false}} {
		t.Run(string(tc.launcher), func(t *testing.T) {
			exe := installedBinary(t, installerBinary(t, s, "1h"), installer.Record{Launcher: tc.launcher})
			state := filepath.Join(filepath.Dir(exe), "state")
			id, stop := startJumpClient(t, s, exe, state)
			stop()
			waitOffline(t, s, id)
			if st := s.Do(s.Token, "DELETE", "/api/v1/jump-clients/"+id, nil, nil); st != 200 {
				t.Fatalf("remove: %d", st)
			}
			if err := runUntilRefused(t, exe, state); wire.CodeOf(err) != wire.JCNotFound {
				t.Fatalf("returning client: %v", err)
			}
			if gone := uninstalled(filepath.Dir(exe)); gone != tc.gone {
				t.Fatalf("files gone: %v, want %v", gone, tc.gone)
			}
		})
	}
}

// TestJumpClientBeatsKeepItOnline: with a 200 ms heartbeat the site drops a
// link that stays silent for 400 ms; the agent's beats keep it connected.
func TestJumpClientBeatsKeepItOnline(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.Heartbeat = 200 * time.Millisecond })
	exe := installerBinary(t, s, "1h")
	id, stop := startJumpClient(t, s, exe, testdir.New(t))
	defer stop()
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		var jc struct{ Status string }
		if s.Do(s.Token, "GET", "/api/v1/jump-clients/"+id, nil, &jc); jc.Status != "online" {
			t.Fatalf("beating jump client is %s", jc.Status)
		}
	}
}

// TestEnrolmentGroupChecked: the jump group in the install flags (C3) is
// checked at enrolment against the rights of the installer's creator, as
// PATCH checks it against the caller's (C10): alice's installer cannot put
// a client into bob's personal group or a team she is not in.
func TestEnrolmentGroupChecked(t *testing.T) {
	s := sitetest.Start(t, nil)
	alice := s.AddTechnician("alice", false)
	admin := s.AddTechnician("boss", true)
	if st := s.Do(admin, "PUT", "/api/v1/users/alice/access", map[string]any{"teams": []string{"servers"}}, nil); st != 200 {
		t.Fatalf("teams: %d", st)
	}
	for _, tc := range []struct {
		group string
		ok    bool
	}{
		{"user:bob", false},
		{"finance", false},
		{"servers", true},
		{"user:alice", true},
	} {
		t.Run(tc.group, func(t *testing.T) {
			exe := installedBinary(t, installerBinaryAs(t, s, alice), installer.Record{JumpGroup: tc.group, Tag: "x"})
			if !tc.ok {
				err := runUntilRefused(t, exe, testdir.New(t))
				if wire.CodeOf(err) != wire.Forbidden || !strings.Contains(err.Error(), tc.group) {
					t.Fatalf("enrolment into %s: %v", tc.group, err)
				}
				for _, it := range listJump(s, admin).Items {
					if it.Group == tc.group {
						t.Fatalf("a client was enrolled into %s", tc.group)
					}
				}
				return
			}
			_, cancel, done := startJumpClientAs(t, s, admin, exe, testdir.New(t))
			defer func() { cancel(); result(t, done) }()
			found := false
			for _, it := range listJump(s, admin).Items {
				found = found || it.Group == tc.group
			}
			if !found {
				t.Fatalf("client not in %s: %+v", tc.group, listJump(s, admin).Items)
			}
		})
	}
}

// TestEnrolmentFieldLimits: the install flags get the API's limits, in
// characters.
func TestEnrolmentFieldLimits(t *testing.T) {
	s := sitetest.Start(t, nil)
	long := strings.Repeat("é", 129)
	exe := installedBinary(t, installerBinary(t, s, "1h"), installer.Record{Name: long})
	if err := runUntilRefused(t, exe, testdir.New(t)); wire.CodeOf(err) != wire.BadRequest || !strings.Contains(err.Error(), "129 characters") {
		t.Fatalf("129-character name: %v", err)
	}
	exe = installedBinary(t, installerBinary(t, s, "1h"), installer.Record{Name: long[:128*2]})
	_, stop := startJumpClient(t, s, exe, testdir.New(t))
	defer stop()
	if l := listJump(s, s.Token); len(l.Items) != 1 {
		t.Fatalf("128-character name refused: %+v", l.Items)
	}
}

// installerBinaryAs downloads an installer created by the holder of token.
func installerBinaryAs(t *testing.T, s *sitetest.Site, token string) string {
	t.Helper()
	var in map[string]any
	if st := s.Do(token, "POST", "/api/v1/installers", map[string]any{"valid_for": "1h"}, &in); st != 201 {
		t.Fatalf("create installer: %d %v", st, in)
	}
	return fetchRaw(t, s, in["download_url"].(string))
}

// installedBinary lays exe out as an install does (DIR/tether with
// DIR/state/install.json carrying the install flags) and returns the copy.
func installedBinary(t *testing.T, exe string, rec installer.Record) string {
	t.Helper()
	dir := testdir.New(t)
	os.MkdirAll(filepath.Join(dir, "state"), 0o700)
	rec.Dir, rec.Binary, rec.Mode = dir, "tether", installer.ModeService
	b, _ := json.Marshal(rec)
	os.WriteFile(installer.RecordPath(dir), b, 0o600)
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "tether")
	os.WriteFile(p, data, 0o755)
	return p
}

// TestJumpClientPinsSiteKey: once enrolled, a jump client only runs a
// program whose config its own site signed: another site's (valid)
// download put in its place is refused.
func TestJumpClientPinsSiteKey(t *testing.T) {
	s, other := sitetest.Start(t, nil), sitetest.Start(t, nil)
	state := testdir.New(t)
	_, stop := startJumpClient(t, s, installerBinary(t, s, "1h"), state)
	stop()
	err := runUntilRefused(t, installerBinary(t, other, "1h"), state)
	if !errors.Is(err, agent.ErrDamaged) || !errors.Is(err, embedcfg.ErrForeignKey) {
		t.Fatalf("another site's program on a pinned client: %v", err)
	}
}

// TestJumpClientsReturnAfterRestart: 30 jump clients behind one address (a
// NAT) all come back within 10 s of a site restart — agent connections have
// their own bucket, sized by --address-burst.
func TestJumpClientsReturnAfterRestart(t *testing.T) {
	const n = 30
	s := sitetest.Start(t, func(o *site.Options) { o.AddressBurst = 64 })
	exe := installerBinary(t, s, "1h")
	online := func() int {
		var l struct{ Items []struct{ Status string } }
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		c := 0
		for _, it := range l.Items {
			if it.Status == "online" {
				c++
			}
		}
		return c
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, n)
	for range n {
		state := testdir.New(t)
		go func() { done <- agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: state}) }()
	}
	defer func() {
		cancel()
		for range n {
			<-done
		}
	}()
	sitetest.WaitFor(t, "30 clients online", func() bool { return online() == n })
	s.Restart()
	start := time.Now()
	deadline := start.Add(10 * time.Second)
	for online() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d jump clients back 10 s after the restart", online(), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d jump clients back %v after the restart", n, time.Since(start).Round(10*time.Millisecond))
}
