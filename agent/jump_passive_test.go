package agent_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/testdir"
	"github.com/tetherhq/tether/site"
)

type jumpList struct {
	Items []struct {
		ID, Status, Group, Tag string
	}
	Counts map[string]int
}

func listJump(s *sitetest.Site, token string) jumpList {
	var l jumpList
	s.Do(token, "GET", "/api/v1/jump-clients", nil, &l)
	return l
}

// TestPassiveJumpClient covers C9: a passive client only checks in, is
// listed and counted as passive, becomes active for a jump and goes back
// to checking in when the session ends; a jump to one that stopped
// checking in times out (jc_connect_timeout), and while that jump waits,
// further session starts past the limit are refused (server_busy).
func TestPassiveJumpClient(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) {
		o.JCCheckIn, o.JCConnectTimeout, o.MaxConcurrentJumps = time.Second, 3*time.Second, 1
	})
	exe := installerBinary(t, s, "1h")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	state := testdir.New(t)
	done := make(chan error, 1)
	go func() { done <- agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: state}) }()
	sitetest.WaitFor(t, "enrolled", func() bool { return len(listJump(s, s.Token).Items) == 1 })
	id := listJump(s, s.Token).Items[0].ID
	if st := s.Do(s.Token, "PATCH", "/api/v1/jump-clients/"+id, map[string]any{"passive": true}, nil); st != 200 {
		t.Fatalf("make passive: %d", st)
	}
	// It is active now; the switch takes effect when its session ends or
	// it reconnects. Jump once and close that session to send it to sleep.
	var jump struct {
		SessionID string `json:"session_id"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &jump); st != 201 {
		t.Fatalf("jump while active: %d", st)
	}
	s.Do(s.Token, "POST", "/api/v1/sessions/"+jump.SessionID+"/close", nil, nil)
	sitetest.WaitFor(t, "listed passive", func() bool {
		l := listJump(s, s.Token)
		return l.Items[0].Status == "passive" && l.Counts["passive"] == 1 && l.Counts["online"] == 0
	})
	// A jump wakes it at its next check-in.
	start := time.Now()
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &jump); st != 201 {
		t.Fatalf("jump to passive: %d", st)
	}
	t.Logf("passive client woke after %v", time.Since(start))
	if l := listJump(s, s.Token); l.Items[0].Status != "online" {
		t.Fatalf("after wake: %+v", l.Items)
	}
	s.Do(s.Token, "POST", "/api/v1/sessions/"+jump.SessionID+"/close", nil, nil)
	sitetest.WaitFor(t, "passive again", func() bool { return listJump(s, s.Token).Items[0].Status == "passive" })

	// Stopped, it is still listed passive for a while, but does not come.
	cancel()
	result(t, done)
	busy := make(chan string, 1)
	go func() {
		time.Sleep(500 * time.Millisecond)
		var eb sitetest.ErrorBody
		st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &eb)
		busy <- fmt.Sprint(st, " ", eb.Error.Code)
	}()
	var eb sitetest.ErrorBody
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &eb); st != 504 || eb.Error.Code != "jc_connect_timeout" {
		t.Fatalf("jump to a gone passive client: %d %+v", st, eb)
	}
	if got := <-busy; got != "503 server_busy" {
		t.Fatalf("a second jump while the only slot waited: %s, want 503 server_busy", got)
	}
}

func TestJumpTimeout(t *testing.T) {
	if runtime.GOOS == "windows" {
		// Go reads Windows' interrupt time, which moves in ticks: a 1 ns
		// deadline is not past yet when a fast step ends. The site's
		// timeout path is the same on every OS.
		t.Skip("a 1 ns deadline only expires at once with a fine-grained clock (Linux)")
	}
	s := sitetest.Start(t, func(o *site.Options) { o.JumpStepTimeout = time.Nanosecond })
	id, stop := startJumpClient(t, s, installerBinary(t, s, "1h"), testdir.New(t))
	defer stop()
	var eb sitetest.ErrorBody
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &eb); st != 504 || eb.Error.Code != "jump_timeout" {
		t.Fatalf("jump with a step that takes too long: %d %+v", st, eb)
	}
}

func TestJumpToUninstalled(t *testing.T) {
	s := sitetest.Start(t, nil)
	exe := installerBinary(t, s, "1h")
	state := testdir.New(t)
	id, stop := startJumpClient(t, s, exe, state)
	var eb sitetest.ErrorBody
	stop()
	waitOffline(t, s, id)
	// Uninstalled by hand: it tells the site, stays listed, unreachable.
	if err := agent.ReportUninstalled(t.Context(), exe, state); err != nil {
		t.Fatal(err)
	}
	if l := listJump(s, s.Token); len(l.Items) != 1 || l.Items[0].Status != "uninstalled" {
		t.Fatalf("after uninstall: %+v", l.Items)
	}
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &eb); st != 410 || eb.Error.Code != "jc_uninstalled" {
		t.Fatalf("jump to uninstalled: %d %+v", st, eb)
	}
	if _, err := os.Stat(filepath.Join(state, agent.JumpClientFile)); err != nil {
		t.Fatal(err)
	}
}

// TestJumpGroups covers C10: own personal group, team groups one belongs
// to, and other technicians' personal groups only with the permission.
func TestJumpGroups(t *testing.T) {
	s := sitetest.Start(t, nil)
	exe := installerBinary(t, s, "1h")
	a, stopA := startJumpClient(t, s, exe, testdir.New(t))
	defer stopA()
	b, stopB := startJumpClient(t, s, exe, testdir.New(t))
	defer stopB()
	ann, bob, cid := s.AddTechnician("ann", false), s.AddTechnician("bob", false), s.AddTechnician("cid", false)
	admin := s.AddTechnician("boss", true)
	// The installer's technician may not move clients out of sight.
	if st := s.Do(s.Token, "PATCH", "/api/v1/jump-clients/"+a, map[string]any{"jump_group": "servers"}, nil); st != 403 {
		t.Fatalf("technician moved a client to a team he is not in: %d", st)
	}
	s.Do(admin, "PATCH", "/api/v1/jump-clients/"+a, map[string]any{"jump_group": "servers"}, nil)
	s.Do(admin, "PATCH", "/api/v1/jump-clients/"+b, map[string]any{"jump_group": "user:ann"}, nil)
	if st := s.Do(admin, "PUT", "/api/v1/users/bob/access", map[string]any{"teams": []string{"servers"}}, nil); st != 200 {
		t.Fatalf("set bob's teams: %d", st)
	}
	s.Do(admin, "PUT", "/api/v1/users/cid/access", map[string]any{"see_personal_groups": true}, nil)
	if st := s.Do(ann, "PUT", "/api/v1/users/ann/access", map[string]any{"see_personal_groups": true}, nil); st != 403 {
		t.Fatalf("a technician changed her own permissions: %d", st)
	}
	for _, c := range []struct {
		who   string
		token string
		sees  []string
	}{
		{"ann (own personal group)", ann, []string{b}},
		{"bob (team servers)", bob, []string{a}},
		{"cid (may see personal groups)", cid, []string{b}},
		{"admin", admin, []string{a, b}},
		{"tech (installer's personal group, now empty)", s.Token, nil},
	} {
		l := listJump(s, c.token)
		var got []string
		for _, it := range l.Items {
			got = append(got, it.ID)
		}
		if len(got) != len(c.sees) || (len(got) > 0 && !sameSet(got, c.sees)) {
			t.Errorf("%s sees %v, want %v", c.who, got, c.sees)
		}
	}
	var eb sitetest.ErrorBody
	if st := s.Do(ann, "POST", "/api/v1/jump-clients/"+a+"/jump", nil, &eb); st != 404 || eb.Error.Code != "jc_not_found" {
		t.Fatalf("ann jumped into a team she is not in: %d %+v", st, eb)
	}
	if st := s.Do(bob, "PATCH", "/api/v1/jump-clients/"+a, map[string]any{"jump_group": "user:ann"}, &eb); st != 403 {
		t.Fatalf("bob moved a client into ann's personal group: %d", st)
	}
	if st := s.Do(bob, "POST", "/api/v1/installers", map[string]any{"jump_group": "other-team"}, &eb); st != 403 {
		t.Fatalf("bob made an installer for a team he is not in: %d", st)
	}
	var teams struct{ Teams map[string][]string }
	s.Do(bob, "GET", "/api/v1/teams", nil, &teams)
	if len(teams.Teams) != 1 || teams.Teams["servers"][0] != "bob" {
		t.Fatalf("bob's teams: %+v", teams)
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestJumpClientDroppedMeanwhile: a jump session whose client went away
// before the technician opened it answers jc_not_connected.
func TestJumpClientDroppedMeanwhile(t *testing.T) {
	s := sitetest.Start(t, nil)
	id, stop := startJumpClient(t, s, installerBinary(t, s, "1h"), testdir.New(t))
	var jump struct {
		SessionID string `json:"session_id"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &jump); st != 201 {
		t.Fatalf("jump: %d", st)
	}
	stop()
	waitOffline(t, s, id)
	var eb sitetest.ErrorBody
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+jump.SessionID+"/view", map[string]any{}, &eb); st != 409 || eb.Error.Code != "jc_not_connected" {
		t.Fatalf("view after the client dropped: %d %+v", st, eb)
	}
}
