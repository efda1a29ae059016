package agent_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/syncbuf"
	"github.com/tetherhq/tether/internal/testdir"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/wire"
)

// Reboot and reconnect with the real support app in-process: everything is
// real (site, logon entry, state, the rejoin) except the OS reboot, which
// ends the app as the OS stopping it would. e2e/reboot_test.go runs the
// same with the built binary and the entry's own command line.

// rebootUser gives the test a user of its own: a home for the logon entry,
// not in a desktop session and without a user manager (an XDG entry).
func rebootUser(t *testing.T) (home string) {
	home = testdir.New(t)
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_RUNTIME_DIR", testdir.New(t))
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	cleanLogonEntries(t)
	return home
}

// startApp runs a support app with the given customer; its OS reboot ends
// it and counts.
func startApp(t *testing.T, s *sitetest.Site, session string, o agent.SupportOptions, c *customer) (*app, *int) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	a := &app{t: t, exe: o.Executable, state: o.StateDir, out: &syncbuf.Buffer{}, cancel: cancel, done: make(chan error, 1)}
	reboots := new(int)
	o.Stdout, o.Stdin, o.Prompter = a.out, strings.NewReader(""), c
	o.Reboot = func(context.Context) error {
		*reboots++
		shuttingDown(s, session, *reboots)
		cancel()
		return nil
	}
	go func() { a.done <- agent.RunSupport(ctx, o) }()
	t.Cleanup(func() {
		cancel()
		if t.Failed() {
			t.Logf("support app output:\n%s", a.out)
		}
	})
	return a, reboots
}

// shuttingDown stands for the moment a real shutdown takes before it stops
// the agent: the site reads the agent's last report ("rebooting") meanwhile.
// (Stopped at once, the agent's socket may be reset with that report
// still unread on the site's side.)
func shuttingDown(s *sitetest.Site, session string, n int) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var out struct{ Items []struct{ Event string } }
		s.Do(s.Token, "GET", "/api/v1/audit?session="+session, nil, &out)
		seen := 0
		for _, e := range out.Items {
			if e.Event == "rebooting" {
				seen++
			}
		}
		if seen >= n {
			return
		}
	}
}

func newCustomer() *customer {
	return &customer{asked: make(chan string, 4), answers: make(chan bool, 4)}
}

// answer waits for a question containing want and answers it.
func (c *customer) answer(t *testing.T, want string, yes bool) {
	t.Helper()
	select {
	case q := <-c.asked:
		if !strings.Contains(q, want) {
			t.Fatalf("asked %q, want a question with %q", q, want)
		}
		c.answers <- yes
	case <-time.After(15 * time.Second):
		t.Fatalf("not asked %q", want)
	}
}

func reboot(t *testing.T, s *sitetest.Site, id string) {
	t.Helper()
	var g struct{ Status string }
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+id+"/reboot", map[string]any{}, &g); st != 202 || g.Status != "rebooting" {
		t.Fatalf("reboot: %d %+v", st, g)
	}
}

func auditOf(s *sitetest.Site, id string) []string {
	var out struct{ Items []struct{ Event string } }
	s.Do(s.Token, "GET", "/api/v1/audit?session="+id, nil, &out)
	var ev []string
	for _, e := range out.Items {
		ev = append(ev, e.Event)
	}
	return ev
}

// rejoinOptions turns the entry's command line into the options the CLI
// makes of it (cmd/tether: support --rejoin --state-dir DIR).
func rejoinOptions(t *testing.T, argv []string) agent.SupportOptions {
	t.Helper()
	if len(argv) != 5 || argv[1] != "support" || argv[2] != "--rejoin" || argv[3] != "--state-dir" {
		t.Fatalf("entry runs %q", argv)
	}
	return agent.SupportOptions{Executable: argv[0], StateDir: argv[4], Rejoin: true}
}

func waitOnline(t *testing.T, s *sitetest.Site, id, status string) {
	t.Helper()
	sitetest.WaitFor(t, "session "+status+" and online", func() bool {
		g := s.Get(id)
		return g.Status == status && g.Online
	})
}

// TestRebootAndRejoin (B1, B3): the customer allows the restart; the app
// registers its logon entry and the OS reboot ends it; the entry's command
// brings the same program back with the same state: no download, the same
// session and identity, a question before sharing resumes, the entry gone,
// and the session activated again.
func TestRebootAndRejoin(t *testing.T) {
	home := rebootUser(t)
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(nil)
	exe := download(t, s, ss.Code)
	state := testdir.New(t)
	c := newCustomer()
	a, reboots := startApp(t, s, ss.ID, agent.SupportOptions{Executable: exe, StateDir: state, SecurityCode: ss.SecurityCode}, c)
	waitOnline(t, s, ss.ID, "activated")
	identity, _ := os.ReadFile(filepath.Join(state, "identity.key"))

	reboot(t, s, ss.ID)
	c.answer(t, "tech wants to restart your computer", true)
	if err := a.wait(); err != nil || *reboots != 1 {
		t.Fatalf("app after the reboot: %v, %d reboots", err, *reboots)
	}
	sitetest.WaitFor(t, "offline", func() bool { return !s.Get(ss.ID).Online })
	if g := s.Get(ss.ID); g.Status != "rebooting" {
		t.Fatalf("while the computer is away: %s", g.Status)
	}
	entry, argv := entryCommand(t, home, ss.ID)
	if abs, _ := filepath.Abs(exe); argv[0] != abs {
		t.Fatalf("the entry runs %s, not the downloaded app %s", argv[0], abs)
	}

	c2 := newCustomer()
	b, _ := startApp(t, s, ss.ID, rejoinOptions(t, argv), c2)
	c2.answer(t, "Your computer has restarted. Let tech see and control your screen again?", true)
	waitOnline(t, s, ss.ID, "activated")
	sitetest.WaitFor(t, "logon entry removed", entry.gone)
	if now, _ := os.ReadFile(filepath.Join(state, "identity.key")); !bytes.Equal(now, identity) || len(identity) == 0 {
		t.Fatal("the rejoin used another identity")
	}
	if exists(filepath.Join(state, "rejoin.json")) {
		t.Fatal("rejoin record left")
	}
	sitetest.WaitFor(t, "sharing_restarted audited", func() bool {
		return slices.Contains(auditOf(s, ss.ID), "sharing_restarted")
	})
	got := auditOf(s, ss.ID)
	want := []string{"created", "downloaded", "bound", "activated", "reboot_requested", "reboot_confirmed", "rebooting", "rejoined", "sharing_restarted"}
	if !slices.Equal(got, want) {
		t.Fatalf("audit %v, want %v (one download only)", got, want)
	}

	// Sharing resumed: the technician's view starts without asking again.
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/view", map[string]any{"password": "access-pw"}, nil); st != 201 {
		t.Fatalf("view: %d", st)
	}
	select {
	case q := <-c2.asked:
		t.Fatalf("asked again after the customer allowed sharing to resume: %q", q)
	case <-time.After(500 * time.Millisecond):
	}
	s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/close", nil, nil)
	wantCode(t, b.wait(), wire.SessionClosed)
}

// TestRebootDeclined: "No" leaves the session as it was; nothing is
// registered, nothing restarts.
func TestRebootDeclined(t *testing.T) {
	home := rebootUser(t)
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(nil)
	state := testdir.New(t)
	c := newCustomer()
	a, reboots := startApp(t, s, ss.ID, agent.SupportOptions{Executable: download(t, s, ss.Code), StateDir: state, SecurityCode: ss.SecurityCode}, c)
	waitOnline(t, s, ss.ID, "activated")
	reboot(t, s, ss.ID)
	c.answer(t, "restart your computer", false)
	sitetest.WaitFor(t, "back to activated", func() bool { return s.Get(ss.ID).Status == "activated" })
	ev := auditOf(s, ss.ID)
	if !slices.Equal(ev[len(ev)-2:], []string{"reboot_requested", "reboot_declined"}) {
		t.Fatalf("audit %v", ev)
	}
	if *reboots != 0 || exists(filepath.Join(state, "rejoin.json")) || anyLogonEntry(home) {
		t.Fatal("a declined reboot left a rejoin behind or restarted")
	}
	select {
	case err := <-a.done:
		t.Fatalf("the app ended: %v", err)
	default:
	}
	if !s.Get(ss.ID).Online {
		t.Fatal("the app went offline")
	}
}

// restarted is a support app that stopped for a restart the customer
// agreed to: its session, program and state dir, and the logon entry it
// left with the entry's command line.
type restarted struct {
	ss         *sitetest.Session
	exe, state string
	entry      logonEntry
	argv       []string
}

// restartApp runs a support app for a new session on s, has the technician
// reboot the computer, the customer agree, and waits until the app has
// stopped for the restart.
func restartApp(t *testing.T, s *sitetest.Site, home string) restarted {
	t.Helper()
	r := restarted{ss: s.CreateSession(nil)}
	r.exe, r.state = download(t, s, r.ss.Code), testdir.New(t)
	c := newCustomer()
	a, _ := startApp(t, s, r.ss.ID, agent.SupportOptions{Executable: r.exe, StateDir: r.state, SecurityCode: r.ss.SecurityCode}, c)
	waitOnline(t, s, r.ss.ID, "activated")
	reboot(t, s, r.ss.ID)
	c.answer(t, "restart", true)
	a.wait()
	r.entry, r.argv = entryCommand(t, home, r.ss.ID)
	return r
}

// TestRebootLateRejoin (B4, A5): back after more than 10 minutes, the app
// is told session_expired and removes itself: binary, state and entry.
func TestRebootLateRejoin(t *testing.T) {
	home := rebootUser(t)
	s := sitetest.Start(t, nil)
	r := restartApp(t, s, home)
	ss, exe, state, entry, argv := r.ss, r.exe, r.state, r.entry, r.argv
	// The site has heard that the OS restarts (B4's clock starts there)
	// and seen the app go.
	sitetest.WaitFor(t, "rebooting audited, app offline", func() bool {
		return slices.Contains(auditOf(s, ss.ID), "rebooting") && !s.Get(ss.ID).Online
	})
	s.Clock.Advance(10 * time.Minute)

	b, _ := startApp(t, s, ss.ID, rejoinOptions(t, argv), newCustomer())
	wantCode(t, b.wait(), wire.SessionExpired)
	for _, p := range []string{filepath.Join(state, "identity.key"), filepath.Join(state, "rejoin.json")} {
		if exists(p) {
			t.Errorf("%s left after session_expired", p)
		}
	}
	if !entry.gone() || !removedLater(exe) {
		t.Errorf("entry gone %v, binary gone %v after session_expired", entry.gone(), !exists(exe))
	}
	if g := s.Get(ss.ID); g.Status != "expired" {
		t.Fatalf("status %s", g.Status)
	}
	if ev := auditOf(s, ss.ID); !slices.Contains(ev, "reboot_expired") || slices.Contains(ev, "rejoined") {
		t.Fatalf("audit %v", ev)
	}
}

// TestRebootCancelReconnection (B3): after the restart the customer does
// not want sharing to resume: the app quits and says so; the session stays
// open (A7) and the entry is gone.
func TestRebootCancelReconnection(t *testing.T) {
	home := rebootUser(t)
	s := sitetest.Start(t, nil)
	r := restartApp(t, s, home)
	ss, entry, argv := r.ss, r.entry, r.argv
	c2 := newCustomer()
	b, _ := startApp(t, s, ss.ID, rejoinOptions(t, argv), c2)
	c2.answer(t, "Your computer has restarted", false)
	if err := b.wait(); err != nil {
		t.Fatalf("cancelled reconnection: %v", err)
	}
	if !strings.Contains(b.out.String(), "Reconnection cancelled.") {
		t.Fatalf("output: %s", b.out)
	}
	if !entry.gone() {
		t.Fatal("entry left")
	}
	sitetest.WaitFor(t, "offline", func() bool { return !s.Get(ss.ID).Online })
	if g := s.Get(ss.ID); g.Status != "activated" {
		t.Fatalf("status %s", g.Status)
	}
	if ev := auditOf(s, ss.ID); ev[len(ev)-1] != "reconnect_cancelled" {
		t.Fatalf("audit %v", ev)
	}
}

// TestRebootWithoutQuestions: with --reboot-confirm=false and
// --reboot-restart-confirm=false nobody is asked; a customer who had
// allowed sharing before the restart is not asked again for the next view.
func TestRebootWithoutQuestions(t *testing.T) {
	home := rebootUser(t)
	s := sitetest.Start(t, func(o *site.Options) { o.NoRebootConfirm, o.NoRestartConfirm = true, true })
	ss := s.CreateSession(nil)
	c := newCustomer()
	a, reboots := startApp(t, s, ss.ID, agent.SupportOptions{Executable: download(t, s, ss.Code), StateDir: testdir.New(t),
		SecurityCode: ss.SecurityCode, AllowControl: true}, c)
	waitOnline(t, s, ss.ID, "activated")
	reboot(t, s, ss.ID)
	a.wait()
	_, argv := entryCommand(t, home, ss.ID)
	if argv[len(argv)-1] != "--allow-control" {
		t.Fatalf("the entry drops --allow-control: %q", argv)
	}
	o := rejoinOptions(t, argv[:5])
	o.AllowControl = true
	c2 := newCustomer()
	startApp(t, s, ss.ID, o, c2)
	waitOnline(t, s, ss.ID, "activated")
	select {
	case q := <-c.asked:
		t.Fatalf("asked %q", q)
	case q := <-c2.asked:
		t.Fatalf("asked %q", q)
	default:
	}
	if *reboots != 1 {
		t.Fatalf("%d reboots", *reboots)
	}
	if ev := auditOf(s, ss.ID); slices.Contains(ev, "reboot_confirmed") || !slices.Contains(ev, "rejoined") {
		t.Fatalf("audit %v", ev)
	}
}

// TestRebootFails: an OS that refuses to restart is reported; the entry
// goes and the session is activated again with the app still there.
func TestRebootFails(t *testing.T) {
	home := rebootUser(t)
	s := sitetest.Start(t, func(o *site.Options) { o.NoRebootConfirm = true })
	ss := s.CreateSession(nil)
	o := agent.SupportOptions{Executable: download(t, s, ss.Code), StateDir: testdir.New(t), SecurityCode: ss.SecurityCode,
		Stdin: strings.NewReader(""), Stdout: &syncbuf.Buffer{},
		Reboot: func(context.Context) error { return errors.New("systemctl reboot: Access denied") }}
	go agent.RunSupport(t.Context(), o)
	waitOnline(t, s, ss.ID, "activated")
	reboot(t, s, ss.ID)
	sitetest.WaitFor(t, "back to activated", func() bool { return s.Get(ss.ID).Status == "activated" })
	if ev := auditOf(s, ss.ID); ev[len(ev)-1] != "reboot_failed" {
		t.Fatalf("audit %v", ev)
	}
	if anyLogonEntry(home) {
		t.Fatal("logon entries left")
	}
}

// TestJumpClientRebootComesBack (B1 for jump clients): no question; the
// session shows rebooting until the client, started again as its service
// would be, connects; then activated.
func TestJumpClientRebootComesBack(t *testing.T) {
	s := sitetest.Start(t, nil)
	exe := installerBinary(t, s, "1h")
	state := testdir.New(t)
	var sessionID string // set before any reboot
	run := func() (context.CancelFunc, chan error) {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		o := agent.JumpOptions{Executable: exe, StateDir: state,
			Reboot: func(context.Context) error { shuttingDown(s, sessionID, 1); cancel(); return nil }}
		go func() { done <- agent.RunJumpClient(ctx, o) }()
		return cancel, done
	}
	cancel, done := run()
	defer cancel()
	var l jumpList
	sitetest.WaitFor(t, "jump client online", func() bool {
		l = listJump(s, s.Token)
		return len(l.Items) == 1 && l.Items[0].Status == "online"
	})
	jc := l.Items[0].ID
	var j struct {
		SessionID string `json:"session_id"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+jc+"/jump", nil, &j); st != 201 {
		t.Fatalf("jump: %d", st)
	}
	sessionID = j.SessionID
	reboot(t, s, j.SessionID)
	if err := result(t, done); err != nil {
		t.Fatalf("jump client after the reboot: %v", err)
	}
	sitetest.WaitFor(t, "jump client offline while away", func() bool {
		l = listJump(s, s.Token)
		return l.Items[0].Status == "offline"
	})
	if g := s.Get(j.SessionID); g.Status != "rebooting" {
		t.Fatalf("while away: %s", g.Status)
	}
	cancel2, _ := run()
	defer cancel2()
	sitetest.WaitFor(t, "session activated", func() bool { return s.Get(j.SessionID).Status == "activated" })
	sitetest.WaitFor(t, "jump client online again", func() bool { return listJump(s, s.Token).Items[0].Status == "online" })
	sitetest.WaitFor(t, "reboot marker removed once back", func() bool { return !exists(filepath.Join(state, "reboot.json")) })
	if ev := auditOf(s, j.SessionID); !slices.Equal(ev, []string{"jump", "reboot_requested", "rebooting", "rejoined"}) {
		t.Fatalf("audit %v", ev)
	}
}

// TestRebootQuestionOutlivesTheLink: the link drops while the customer is
// asked (here: the site restarts); the question is withdrawn and the site
// hears so when the app is back, instead of showing rebooting for ten
// minutes.
func TestRebootQuestionOutlivesTheLink(t *testing.T) {
	rebootUser(t)
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(nil)
	c := newCustomer()
	_, reboots := startApp(t, s, ss.ID, agent.SupportOptions{Executable: download(t, s, ss.Code), StateDir: testdir.New(t), SecurityCode: ss.SecurityCode}, c)
	waitOnline(t, s, ss.ID, "activated")
	reboot(t, s, ss.ID)
	select {
	case <-c.asked:
	case <-time.After(15 * time.Second):
		t.Fatal("not asked")
	}
	s.Restart()
	sitetest.WaitFor(t, "back to activated after the app reconnected", func() bool {
		g := s.Get(ss.ID)
		return g.Status == "activated" && g.Online
	})
	var out struct {
		Items []struct{ Event, Detail string }
	}
	s.Do(s.Token, "GET", "/api/v1/audit?session="+ss.ID, nil, &out)
	last := out.Items[len(out.Items)-1]
	if last.Event != "reboot_declined" || !strings.Contains(last.Detail, "connection to the site dropped") || *reboots != 0 {
		t.Fatalf("last audit %+v, %d reboots", last, *reboots)
	}
}

// closingWindow is a customer window the test closes.
type closingWindow struct {
	events chan ui.Event
	states chan ui.State
}

func (w *closingWindow) SetState(st ui.State) {
	select {
	case w.states <- st:
	default:
	}
}
func (w *closingWindow) AskSecurityCode(context.Context, string) (string, error) {
	return "", ui.ErrClosed
}
func (w *closingWindow) Confirm(context.Context, ui.Question) (bool, error) {
	return false, ui.ErrClosed
}
func (w *closingWindow) AddChat(ui.ChatMessage)  {}
func (w *closingWindow) Events() <-chan ui.Event { return w.events }
func (w *closingWindow) Close() error            { return nil }

// TestRebootCancelBeforeRejoin (B3): the customer closes the window while
// the app, back after the restart, still waits for the site: that cancels
// the reconnection — the entry goes, the app says so.
func TestRebootCancelBeforeRejoin(t *testing.T) {
	home := rebootUser(t)
	s := sitetest.Start(t, nil)
	r := restartApp(t, s, home)
	ss, entry, argv := r.ss, r.entry, r.argv
	s.Stop() // the network is not up yet after the logon
	w := &closingWindow{events: make(chan ui.Event, 1), states: make(chan ui.State, 16)}
	o := rejoinOptions(t, argv)
	o.Window = w
	b, _ := startApp(t, s, ss.ID, o, newCustomer())
	for st := range w.states {
		if st.Phase == ui.PhaseReconnecting && strings.Contains(st.Detail, "Your computer has restarted") {
			break
		}
	}
	w.events <- ui.Event{Kind: ui.EventClosed}
	if err := b.wait(); err != nil {
		t.Fatalf("closed before the rejoin: %v", err)
	}
	if !entry.gone() || !strings.Contains(b.out.String(), "Reconnection cancelled.") {
		t.Fatalf("entry left (%v) or not said:\n%s", !entry.gone(), b.out)
	}
	s.Restart()
}
