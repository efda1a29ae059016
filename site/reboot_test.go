package site_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/wire"
)

// The reboot flows of the support app, with the real agent, are in package
// agent (reboot_test.go) and e2e; these drive the site with a raw jump
// client, so they see exactly what the site sends and when.

type rebootSession struct {
	Status          string
	RebootStartedAt *time.Time `json:"reboot_started_at"`
	RebootSafeMode  bool       `json:"reboot_safe_mode"`
	Reboot          *struct {
		Available bool
		SafeMode  bool `json:"safe_mode"`
		Reason    string
	}
}

func getReboot(t *testing.T, s *sitetest.Site, id string) rebootSession {
	t.Helper()
	var g rebootSession
	if st := s.Do(s.Token, "GET", "/api/v1/sessions/"+id, nil, &g); st != 200 {
		t.Fatalf("get session: %d", st)
	}
	return g
}

func sessionEvents(s *sitetest.Site, id string) []string {
	var out struct{ Items []struct{ Event string } }
	s.Do(s.Token, "GET", "/api/v1/audit?session="+id, nil, &out)
	var ev []string
	for _, e := range out.Items {
		ev = append(ev, e.Event)
	}
	return ev
}

func (c *rawJumpClient) send(m wire.Msg) {
	c.t.Helper()
	b, _ := wire.Encode(m)
	if err := c.conn.Write(c.t.Context(), websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

// reboot waits for the site's Reboot message.
func (c *rawJumpClient) reboot() *wire.Reboot {
	c.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-c.msgs:
			if r, ok := m.(*wire.Reboot); ok {
				return r
			}
		case <-timeout:
			c.t.Fatal("no reboot message")
		}
	}
}

// jumpedClient is a connected raw jump client on goos with a session
// jumped to it.
func jumpedClient(t *testing.T, s *sitetest.Site, goos string) (*rawJumpClient, string) {
	t.Helper()
	c := newRawJumpClient(t, s, false)
	c.goos = goos
	c.connect("dev", "amd64")
	var j struct {
		SessionID string `json:"session_id"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+c.id+"/jump", nil, &j); st != 201 {
		t.Fatalf("jump: %d", st)
	}
	return c, j.SessionID
}

func waitJCOffline(t *testing.T, s *sitetest.Site, id string) {
	t.Helper()
	sitetest.WaitFor(t, "jump client offline", func() bool {
		var jc struct{ Status string }
		s.Do(s.Token, "GET", "/api/v1/jump-clients/"+id, nil, &jc)
		return jc.Status == "offline"
	})
}

func waitRebootStatus(t *testing.T, s *sitetest.Site, id, status string) {
	t.Helper()
	sitetest.WaitFor(t, "status "+status, func() bool { return getReboot(t, s, id).Status == status })
}

// TestRebootJumpClientIntoSafeMode: a Windows service jump client is asked
// to reboot into Safe Mode without questions; the session shows rebooting
// (with its start time) until the client comes back, then activated; each
// step is audited (B1, B2, D5).
func TestRebootJumpClientIntoSafeMode(t *testing.T) {
	s := sitetest.Start(t, nil)
	c, id := jumpedClient(t, s, "windows")
	if g := getReboot(t, s, id); g.Reboot == nil || !g.Reboot.Available || !g.Reboot.SafeMode {
		t.Fatalf("reboot offer of a Windows service jump client: %+v", g.Reboot)
	}
	var g rebootSession
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+id+"/reboot", map[string]any{"safe_mode": true}, &g); st != 202 {
		t.Fatalf("reboot: %d", st)
	}
	if g.Status != "rebooting" || g.RebootStartedAt == nil || !g.RebootStartedAt.Equal(s.Clock.Now()) || !g.RebootSafeMode {
		t.Fatalf("answer: %+v", g)
	}
	m := c.reboot()
	want := wire.Reboot{Session: id, SafeMode: true, Technician: "tech", Timeout: 10 * time.Minute}
	if *m != want {
		t.Fatalf("reboot message %+v, want %+v (a jump client is not asked)", *m, want)
	}
	var eb sitetest.ErrorBody
	st := s.Do(s.Token, "POST", "/api/v1/sessions/"+id+"/reboot", map[string]any{}, &eb)
	wantError(t, st, &eb, 409, wire.Conflict)

	c.send(wire.RebootStatus{Session: id, Event: wire.SafeModeSet})
	s.Clock.Advance(20 * time.Second) // the question-free preparation took a while
	c.send(wire.RebootStatus{Session: id, Event: wire.RebootStarting})
	sitetest.WaitFor(t, "reboot clock restarted", func() bool {
		g := getReboot(t, s, id)
		return g.RebootStartedAt != nil && g.RebootStartedAt.Equal(s.Clock.Now())
	})
	c.disconnect()
	waitJCOffline(t, s, c.id)
	st = s.Do(s.Token, "POST", "/api/v1/sessions/"+id+"/view", map[string]any{}, &eb)
	wantError(t, st, &eb, 409, wire.JCNotConnected)
	if g := getReboot(t, s, id); g.Status != "rebooting" {
		t.Fatalf("while away: %s", g.Status)
	}

	s.Clock.Advance(3 * time.Minute)
	c.rejoin = true
	c.connect("dev", "amd64")
	waitRebootStatus(t, s, id, "activated")
	if g := getReboot(t, s, id); g.RebootStartedAt != nil || g.RebootSafeMode {
		t.Fatalf("reboot fields after the rejoin: %+v", g)
	}
	c.send(wire.RebootStatus{Session: id, Event: wire.SafeModeCleared})
	sitetest.WaitFor(t, "safe_mode_cleared audited", func() bool {
		return slices.Contains(sessionEvents(s, id), "safe_mode_cleared")
	})
	got := sessionEvents(s, id)
	wantEvents := []string{"jump", "reboot_requested", "safe_mode_set", "rebooting", "rejoined", "safe_mode_cleared"}
	if !slices.Equal(got, wantEvents) {
		t.Fatalf("audit %v, want %v", got, wantEvents)
	}
}

// TestRebootBlipIsNoRejoin: a client that reconnects before it went down
// (no Hello.Rejoin) leaves the session rebooting; its report that the
// reboot failed puts the session back.
func TestRebootBlipIsNoRejoin(t *testing.T) {
	s := sitetest.Start(t, nil)
	c, id := jumpedClient(t, s, "linux")
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+id+"/reboot", map[string]any{}, nil); st != 202 {
		t.Fatalf("reboot: %d", st)
	}
	c.reboot()
	c.disconnect()
	c.connect("dev", "amd64")
	if g := getReboot(t, s, id); g.Status != "rebooting" {
		t.Fatalf("after a reconnect without rejoin: %s", g.Status)
	}
	// Another agent cannot speak for this session.
	other, _ := jumpedClient(t, s, "linux")
	other.send(wire.RebootStatus{Session: id, Event: wire.RebootFailed})
	c.send(wire.RebootStatus{Session: id, Event: wire.RebootFailed, Detail: "systemctl reboot: access denied"})
	waitRebootStatus(t, s, id, "activated")
	if ev := sessionEvents(s, id); !slices.Equal(ev, []string{"jump", "reboot_requested", "reboot_failed"}) {
		t.Fatalf("audit %v", ev)
	}
}

// TestRebootExpiresAfterTimeout: a computer not back within 10 minutes
// ends its session with session_expired (B4); the jump client itself
// stays and connects again, the session stays expired.
func TestRebootExpiresAfterTimeout(t *testing.T) {
	s := sitetest.Start(t, nil)
	c, id := jumpedClient(t, s, "linux")
	s.Do(s.Token, "POST", "/api/v1/sessions/"+id+"/reboot", map[string]any{}, nil)
	c.reboot()
	c.disconnect()
	waitJCOffline(t, s, c.id) // a client still connected at the timeout never went down
	s.Clock.Advance(10*time.Minute - time.Second)
	s.Server.Reap(t.Context())
	if g := getReboot(t, s, id); g.Status != "rebooting" {
		t.Fatalf("before the timeout: %s", g.Status)
	}
	s.Clock.Advance(time.Second)
	s.Server.Reap(t.Context())
	if g := getReboot(t, s, id); g.Status != "expired" {
		t.Fatalf("after the timeout: %s", g.Status)
	}
	c.rejoin = true
	c.connect("dev", "amd64") // welcomed: the jump client is still enrolled
	if g := getReboot(t, s, id); g.Status != "expired" {
		t.Fatalf("after a late rejoin: %s", g.Status)
	}
	ev := sessionEvents(s, id)
	if !slices.Equal(ev[len(ev)-2:], []string{"reboot_expired", "expired"}) || slices.Contains(ev, "rejoined") {
		t.Fatalf("audit %v", ev)
	}
}

// TestRebootNeverWentDown: an agent still connected when the timeout ends
// never rebooted (an old agent ignoring the message, or an OS that did not
// restart): the session goes back to activated instead of expiring.
func TestRebootNeverWentDown(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.RebootTimeout = 2 * time.Minute })
	c, id := jumpedClient(t, s, "linux")
	s.Do(s.Token, "POST", "/api/v1/sessions/"+id+"/reboot", map[string]any{}, nil)
	if m := c.reboot(); m.Timeout != 2*time.Minute {
		t.Fatalf("timeout sent: %v", m.Timeout)
	}
	s.Clock.Advance(2 * time.Minute)
	s.Server.Reap(t.Context())
	if g := getReboot(t, s, id); g.Status != "activated" {
		t.Fatalf("status %s", g.Status)
	}
	if ev := sessionEvents(s, id); ev[len(ev)-1] != "reboot_failed" {
		t.Fatalf("audit %v", ev)
	}
}

// TestRebootRefusals: the order of the refusals (B2, B5, C11 codes).
func TestRebootRefusals(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.LimitPerTech = -1 })
	reboot := func(token, id string, safe bool) (int, *sitetest.ErrorBody) {
		var eb sitetest.ErrorBody
		return s.Do(token, "POST", "/api/v1/sessions/"+id+"/reboot", map[string]any{"safe_mode": safe}, &eb), &eb
	}
	ss := s.CreateSession(nil)
	st, eb := reboot(s.Token, ss.ID, false)
	wantError(t, st, eb, 409, wire.NoCustomer)

	mac, macID := jumpedClient(t, s, "darwin")
	st, eb = reboot(s.Token, macID, false)
	wantError(t, st, eb, 409, wire.RebootUnsupported)
	var raw struct{ Error struct{ Detail string } }
	s.Do(s.Token, "POST", "/api/v1/sessions/"+macID+"/reboot", map[string]any{}, &raw)
	if !strings.Contains(raw.Error.Detail, "macOS") {
		t.Fatalf("reboot_unsupported without the reason: %+v", raw)
	}
	if g := getReboot(t, s, macID); g.Reboot == nil || g.Reboot.Available || g.Reboot.Reason == "" {
		t.Fatalf("macOS offer: %+v", g.Reboot)
	}
	mac.disconnect()

	linux, linuxID := jumpedClient(t, s, "linux")
	st, eb = reboot(s.Token, linuxID, true)
	wantError(t, st, eb, 400, wire.BadRequest)
	if g := getReboot(t, s, linuxID); !g.Reboot.Available || g.Reboot.SafeMode {
		t.Fatalf("Linux offer: %+v", g.Reboot)
	}
	other := s.AddTechnician("other", false)
	st, eb = reboot(other, linuxID, false)
	wantError(t, st, eb, 404, wire.NotFound)
	linux.disconnect()
	waitJCOffline(t, s, linux.id)
	st, eb = reboot(s.Token, linuxID, false)
	wantError(t, st, eb, 409, wire.JCNotConnected)

	s.Do(s.Token, "POST", "/api/v1/sessions/"+linuxID+"/close", nil, nil)
	st, eb = reboot(s.Token, linuxID, false)
	wantError(t, st, eb, 410, wire.SessionClosed)
	if ev := sessionEvents(s, linuxID); slices.Contains(ev, "reboot_requested") {
		t.Fatalf("a refused reboot was audited: %v", ev)
	}
}
