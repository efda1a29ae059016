package agent_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/installer"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/syncbuf"
	"github.com/tetherhq/tether/internal/testdir"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/wire"
)

// app is one support app run in-process against a real site.
type app struct {
	t      *testing.T
	exe    string
	state  string
	out    *syncbuf.Buffer
	cancel context.CancelFunc
	done   chan error
}

func download(t *testing.T, s *sitetest.Site, code string) string {
	t.Helper()
	p, st, eb := s.Download(code, "linux-amd64", testdir.New(t))
	if st != 200 {
		t.Fatalf("download: %d %+v", st, eb)
	}
	return p
}

func start(t *testing.T, exe, state, secCode string) *app {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	a := &app{t: t, exe: exe, state: state, out: &syncbuf.Buffer{}, cancel: cancel, done: make(chan error, 1)}
	o := agent.SupportOptions{Executable: exe, StateDir: state, SecurityCode: secCode, Stdout: a.out,
		Stdin: strings.NewReader("")}
	go func() { a.done <- agent.RunSupport(ctx, o) }()
	t.Cleanup(cancel)
	return a
}

func (a *app) wait() error {
	a.t.Helper()
	select {
	case err := <-a.done:
		return err
	case <-time.After(20 * time.Second):
		a.t.Fatalf("support app did not exit; output:\n%s", a.out)
		return nil
	}
}

func run(t *testing.T, exe, state, secCode string) error {
	t.Helper()
	return start(t, exe, state, secCode).wait()
}

func wantCode(t *testing.T, err error, code wire.Code) {
	t.Helper()
	if wire.CodeOf(err) != code {
		t.Fatalf("got %v (%q), want %s", err, wire.CodeOf(err), code)
	}
	if err.Error() != code.Message() {
		t.Fatalf("text %q, want %q", err.Error(), code.Message())
	}
}

// activeApp creates a session, downloads its app and runs it on a fresh
// computer (state dir) until the session is activated and online.
func activeApp(t *testing.T, s *sitetest.Site) (ss *sitetest.Session, exe, state string, a *app) {
	t.Helper()
	ss = s.CreateSession(nil)
	exe = download(t, s, ss.Code)
	state = testdir.New(t)
	a = start(t, exe, state, ss.SecurityCode)
	waitStatus(t, s, ss.ID, "activated", true)
	return ss, exe, state, a
}

func waitStatus(t *testing.T, s *sitetest.Site, id, status string, online bool) {
	t.Helper()
	sitetest.WaitFor(t, "status "+status, func() bool {
		g := s.Get(id)
		return g.Status == status && g.Online == online
	})
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestSupportLifecycleCloseRemovesApp(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(map[string]any{"customer_name": "Ann"})
	exe := download(t, s, ss.Code)
	if g := s.Get(ss.ID); g.Status != "downloaded" {
		t.Fatalf("after download: %s", g.Status)
	}
	state := filepath.Join(testdir.New(t), "state")
	a := start(t, exe, state, ss.SecurityCode)
	waitStatus(t, s, ss.ID, "activated", true)
	if g := s.Get(ss.ID); g.Computer == "" {
		t.Fatal("computer not reported")
	}
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/close", nil, nil); st != 200 {
		t.Fatalf("close: %d", st)
	}
	wantCode(t, a.wait(), wire.SessionClosed)
	if !removedLater(exe) || exists(filepath.Join(state, "identity.key")) {
		t.Fatal("support app did not remove its binary and state")
	}
	var audit struct{ Items []struct{ Event string } }
	s.Do(s.Token, "GET", "/api/v1/audit?session="+ss.ID, nil, &audit)
	var events []string
	for _, e := range audit.Items {
		events = append(events, e.Event)
	}
	if got := strings.Join(events, ","); got != "created,downloaded,bound,activated,closed" {
		t.Fatalf("audit: %s", got)
	}
}

func TestSupportQuitKeepsSessionAndRejoins(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss, exe, state, a := activeApp(t, s)
	a.cancel() // the customer quits (A7)
	if err := a.wait(); err != nil {
		t.Fatalf("quit: %v", err)
	}
	waitStatus(t, s, ss.ID, "activated", false)
	// Running again on the same computer rejoins without a security code.
	b := start(t, exe, state, "")
	waitStatus(t, s, ss.ID, "activated", true)
	if !strings.Contains(b.out.String(), "Connected") {
		t.Fatalf("rejoin output: %s", b.out)
	}
	s.Do(s.Token, "DELETE", "/api/v1/sessions/"+ss.ID, nil, nil)
	wantCode(t, b.wait(), wire.SessionDeleted)
}

func TestSecondComputerIsRefused(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(nil)
	exe := download(t, s, ss.Code)
	a := start(t, exe, testdir.New(t), ss.SecurityCode)
	waitStatus(t, s, ss.ID, "activated", true)
	copyExe := filepath.Join(testdir.New(t), "copy")
	b, _ := os.ReadFile(exe)
	os.WriteFile(copyExe, b, 0o755)
	wantCode(t, run(t, copyExe, testdir.New(t), ss.SecurityCode), wire.SessionInvalid)
	a.cancel()
	a.wait()
}

func TestClosedSessionRunAgainElsewhereIsInvalid(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(nil)
	exe := download(t, s, ss.Code)
	keep := filepath.Join(testdir.New(t), "keep")
	b, _ := os.ReadFile(exe)
	os.WriteFile(keep, b, 0o755)
	state := testdir.New(t)
	a := start(t, exe, state, ss.SecurityCode)
	waitStatus(t, s, ss.ID, "activated", true)
	s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/close", nil, nil)
	wantCode(t, a.wait(), wire.SessionClosed)
	// The app removed its identity; a kept copy run again is a stranger.
	wantCode(t, run(t, keep, state, ss.SecurityCode), wire.SessionInvalid)
}

func TestClosedWhileOfflineThenRun(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss, exe, state, a := activeApp(t, s)
	a.cancel()
	a.wait()
	s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/close", nil, nil)
	wantCode(t, run(t, exe, state, ""), wire.SessionClosed)
	if !removedLater(exe) {
		t.Fatal("binary left behind")
	}
}

// TestWrongSecurityCodeLocks: a computer that types 5 wrong codes is locked
// out and told so (not "Invalid security code." for the right one), but the
// session is not: whoever ran a leaked link cannot lock the customer out,
// and the session binds to the computer that types the right code (A4).
// Only 20 wrong codes, from any computers, lock the session itself.
func TestWrongSecurityCodeLocks(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(nil)
	exe := download(t, s, ss.Code)
	stranger := testdir.New(t)
	for i := 0; i < 4; i++ {
		wantCode(t, run(t, exe, stranger, "WRONG-CODE"), wire.SecurityCodeInvalid)
	}
	wantCode(t, run(t, exe, stranger, "WRONG-CODE"), wire.SessionLocked)
	err := run(t, exe, stranger, ss.SecurityCode)
	wantCode(t, err, wire.SessionLocked)
	if err.Error() != "This support session is locked after too many wrong security codes. Contact your technician." {
		t.Fatalf("text: %q", err)
	}
	if !exists(exe) {
		t.Fatal("a refused code must not remove the app")
	}
	if g := s.Get(ss.ID); g.Locked || g.Status != "downloaded" || g.Computer != "" {
		t.Fatalf("after one computer's 5 failures: %+v", g)
	}
	// The customer's computer activates and the session is theirs.
	customer := testdir.New(t)
	a := start(t, exe, customer, ss.SecurityCode)
	waitStatus(t, s, ss.ID, "activated", true)
	wantCode(t, run(t, exe, testdir.New(t), ss.SecurityCode), wire.SessionInvalid)
	a.cancel()
	a.wait()
	s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/close", nil, nil)

	// Twenty wrong codes from many computers lock a session for good.
	ss2 := s.CreateSession(map[string]any{"password": "access-pw"})
	exe2 := download(t, s, ss2.Code)
	for i := range 20 {
		state := filepath.Join(testdir.New(t), fmt.Sprint(i/4))
		err := run(t, exe2, state, "WRONG-CODE")
		if c := wire.CodeOf(err); c != wire.SecurityCodeInvalid && c != wire.SessionLocked {
			t.Fatalf("attempt %d: %v", i, err)
		}
		s.Clock.Advance(time.Minute) // the per-address rate limit is not under test
	}
	if g := s.Get(ss2.ID); !g.Locked {
		t.Fatalf("after 20 failures: %+v", g)
	}
	wantCode(t, run(t, exe2, testdir.New(t), ss2.SecurityCode), wire.SessionLocked)
}

func TestSecurityCodePromptRetries(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(nil)
	exe := download(t, s, ss.Code)
	out := &syncbuf.Buffer{}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- agent.RunSupport(ctx, agent.SupportOptions{Executable: exe, StateDir: testdir.New(t), Stdout: out,
			Stdin: strings.NewReader("nope\n" + strings.ToLower(ss.SecurityCode) + "\n"), Prompter: nil})
	}()
	waitStatus(t, s, ss.ID, "activated", true)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Invalid security code. 4 attempts left.") {
		t.Fatalf("output: %s", out)
	}
}

func TestExpiry(t *testing.T) {
	s := sitetest.Start(t, nil)
	t.Run("unused within the window", func(t *testing.T) {
		ss := s.CreateSession(map[string]any{"expires_in": "1h"})
		exe := download(t, s, ss.Code)
		s.Clock.Advance(61 * time.Minute)
		wantCode(t, run(t, exe, testdir.New(t), ss.SecurityCode), wire.SessionExpired)
		if _, st, eb := s.Download(ss.Code, "linux-amd64", testdir.New(t)); st != 410 || eb.Error.Code != "session_expired" {
			t.Fatalf("old link: %d %+v", st, eb)
		}
	})
	t.Run("24 hours after activation", func(t *testing.T) {
		ss := s.CreateSession(nil)
		exe := download(t, s, ss.Code)
		a := start(t, exe, testdir.New(t), ss.SecurityCode)
		waitStatus(t, s, ss.ID, "activated", true)
		s.Clock.Advance(23 * time.Hour)
		if g := s.Get(ss.ID); g.Status != "activated" {
			t.Fatalf("23h: %s", g.Status)
		}
		s.Clock.Advance(time.Hour)
		if g := s.Get(ss.ID); g.Status != "expired" {
			t.Fatalf("24h: %s", g.Status)
		}
		wantCode(t, a.wait(), wire.SessionExpired)
		if !removedLater(exe) {
			t.Fatal("expired app did not remove itself")
		}
	})
}

func TestTamperedDownloadIsRefused(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(nil)
	exe := download(t, s, ss.Code)
	b, _ := os.ReadFile(exe)
	// Point the app at another session code, keeping everything else.
	edited := strings.Replace(string(b), ss.Code, "123456782", 1)
	if edited == string(b) {
		t.Fatal("code not found in download")
	}
	os.WriteFile(exe, []byte(edited), 0o755)
	err := run(t, exe, testdir.New(t), ss.SecurityCode)
	if !errors.Is(err, agent.ErrDamaged) {
		t.Fatalf("got %v", err)
	}
}

func TestPreviousSessionOpen(t *testing.T) {
	s := sitetest.Start(t, nil)
	other := s.AddTechnician("other", false)
	first := s.CreateSession(nil)
	exe1 := download(t, s, first.Code)
	state := testdir.New(t)
	a := start(t, exe1, state, first.SecurityCode)
	waitStatus(t, s, first.ID, "activated", true)
	a.cancel()
	a.wait()

	var second sitetest.Session
	if st := s.Do(other, "POST", "/api/v1/sessions", map[string]any{"password": "access-pw"}, &second); st != 201 {
		t.Fatalf("create: %d", st)
	}
	exe2 := download(t, s, second.Code)
	wantCode(t, run(t, exe2, state, second.SecurityCode), wire.PreviousSessionOpen)
	// Once the first session is over, the computer is free again.
	s.Do(s.Token, "POST", "/api/v1/sessions/"+first.ID+"/close", nil, nil)
	b := start(t, exe2, state, second.SecurityCode)
	sitetest.WaitFor(t, "second session active", func() bool {
		var g sitetest.Session
		s.Do(other, "GET", "/api/v1/sessions/"+second.ID, nil, &g)
		return g.Status == "activated" && g.Online
	})
	b.cancel()
	b.wait()
}

// TestHostInstalled: a support app run by a customer (no --state-dir) on a
// computer where a jump client is really installed — here a user-mode one,
// registered as an XDG autostart entry by the real installer — refuses
// with host_installed (A9) and binds nothing.
func TestHostInstalled(t *testing.T) {
	s := sitetest.Start(t, nil)
	home, user := customerHome(t)
	t.Setenv("HOME", home)
	t.Setenv("APPDATA", home) // Windows: the default state dir's base
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv(agent.EnvStateDir, "")
	ss := s.CreateSession(nil)
	exe := download(t, s, ss.Code)
	// Before the install the app runs (and binds on the right code).
	a := startDefaultState(t, exe, ss.SecurityCode)
	waitStatus(t, s, ss.ID, "activated", true)
	a.cancel()
	a.wait()
	// The user-mode launcher of this OS: an XDG autostart file, or on
	// Windows the HKCU Run value.
	// The Windows one installs the site's Windows stand-in build, which
	// Windows refuses to start ("Bad EXE format"): Wine would run the
	// Linux stand-in, a shell script, as a Unix program and keep the file
	// open.
	launcher, kind, platform, pkg := installer.LauncherXDGAutostart, "xdg-autostart", "linux-amd64", "bin"
	if runtime.GOOS == "windows" {
		launcher, kind, platform, pkg = installer.LauncherRunKey, "run-key", "windows-amd64", "exe"
	}
	jc := installerBinaryWith(t, s, map[string]any{"tag": "lab", "valid_for": "1h", "platform": platform, "package": pkg})
	in := &installer.Installer{Env: installer.SystemEnv()}
	res, err := in.Install(t.Context(), installer.Options{InstallDir: filepath.Join(home, "jc"), Mode: installer.ModeUser,
		Launcher: launcher, User: user}, jc)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Uninstall(context.Background(), res.Dir)
	// (Installed also lists the machine's registrations, where another
	// package's test running as root may have a client right now.)
	if regs := installer.Installed(home); !slices.ContainsFunc(regs, func(r installer.Registration) bool {
		return r.Kind == kind && strings.HasPrefix(r.Binary, home)
	}) {
		t.Fatalf("the install is not found by its registration: %+v", regs)
	}
	s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/close", nil, nil)
	ss2 := s.CreateSession(nil)
	err = startDefaultState(t, download(t, s, ss2.Code), ss2.SecurityCode).wait()
	wantCode(t, err, wire.HostInstalled)
	if err.Error() != "Host software is installed on this computer." {
		t.Fatalf("text %q", err)
	}
	if g := s.Get(ss2.ID); g.Status != "downloaded" || g.Computer != "" {
		t.Fatalf("a refused computer must not bind: %+v", g)
	}
}

// customerHome is a home dir for a jump client's user: the test user's
// own (a temp dir) normally; as root (CI), a new account's, since root
// installs only for a --user (C3).
func customerHome(t *testing.T) (home, user string) {
	t.Helper()
	home = testdir.New(t)
	for p := home; p != os.TempDir() && p != "/"; p = filepath.Dir(p) {
		os.Chmod(p, 0o755)
	}
	if os.Geteuid() != 0 {
		return home, ""
	}
	user = fmt.Sprintf("tcu%d", time.Now().UnixNano()%1e6)
	if out, err := exec.Command("useradd", "-M", "-N", "-d", home, "-s", "/usr/sbin/nologin", user).CombinedOutput(); err != nil {
		t.Skipf("useradd: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", user).Run() })
	if out, err := exec.Command("chown", user, home).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	return home, user
}

// startDefaultState runs the support app as a customer does: the state in
// the user's default place.
func startDefaultState(t *testing.T, exe, secCode string) *app {
	t.Helper()
	return start(t, exe, "", secCode)
}

func TestSupportBySiteAndCode(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(nil)
	exe := filepath.Join(testdir.New(t), "tether") // an installed tether, no session inside
	os.WriteFile(exe, []byte("plain build"), 0o755)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- agent.RunSupport(ctx, agent.SupportOptions{Executable: exe, StateDir: testdir.New(t),
			Site: s.URL, Code: ss.Code, Pin: s.Server.CertPin(), SecurityCode: ss.SecurityCode})
	}()
	waitStatus(t, s, ss.ID, "activated", true)
	s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/close", nil, nil)
	wantCode(t, <-done, wire.SessionClosed)
	if !exists(exe) {
		t.Fatal("an installed tether must not delete itself")
	}
	// A wrong pin never reaches the site.
	err := agent.RunSupport(t.Context(), agent.SupportOptions{Executable: exe, StateDir: testdir.New(t),
		Site: s.URL, Code: ss.Code, Pin: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", SecurityCode: "x"})
	if !errors.Is(err, agent.ErrPinMismatch) {
		t.Fatalf("wrong pin: %v", err)
	}
}

func TestNoEmbeddedSession(t *testing.T) {
	exe := filepath.Join(testdir.New(t), "tether")
	os.WriteFile(exe, []byte("plain build"), 0o755)
	err := agent.RunSupport(t.Context(), agent.SupportOptions{Executable: exe, StateDir: testdir.New(t)})
	if !errors.Is(err, agent.ErrNoSession) {
		t.Fatalf("got %v", err)
	}
}

// TestPreviousSessionSameTechnician: previous_session_open is only for
// another technician's session; the same technician's new session on the
// computer simply goes ahead (and the computer is bound to it).
func TestPreviousSessionSameTechnician(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.LimitPerTech = -1 })
	first, _, state, a := activeApp(t, s)
	a.cancel()
	a.wait()
	second := s.CreateSession(nil)
	b := start(t, download(t, s, second.Code), state, second.SecurityCode)
	waitStatus(t, s, second.ID, "activated", true)
	b.cancel()
	b.wait()
	if g := s.Get(first.ID); g.Status != "activated" {
		t.Fatalf("the first session: %s", g.Status)
	}
	// The computer is now bound to the second session: another
	// technician's is refused while it lives.
	other := s.AddTechnician("other", false)
	var third sitetest.Session
	if st := s.Do(other, "POST", "/api/v1/sessions", map[string]any{"password": "access-pw"}, &third); st != 201 {
		t.Fatalf("create: %d", st)
	}
	wantCode(t, run(t, download(t, s, third.Code), state, third.SecurityCode), wire.PreviousSessionOpen)
}

// TestEditedProgramIsRefused: the site's signature covers the whole
// download, so an edit of the program (not only of the config) is refused.
func TestEditedProgramIsRefused(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(nil)
	exe := download(t, s, ss.Code)
	b, _ := os.ReadFile(exe)
	b[3] ^= 0x01 // inside the stand-in program, before the config
	os.WriteFile(exe, b, 0o755)
	err := run(t, exe, testdir.New(t), ss.SecurityCode)
	if !errors.Is(err, agent.ErrDamaged) {
		t.Fatalf("got %v", err)
	}
	if g := s.Get(ss.ID); g.Status != "downloaded" {
		t.Fatalf("an edited program reached the site: %s", g.Status)
	}
}

// TestConfigOfAnotherSiteIsRefused: an agent built for a site's key
// refuses a download whose config another key signed, even when that
// signature holds over the whole file.
func TestConfigOfAnotherSiteIsRefused(t *testing.T) {
	a, b := sitetest.Start(t, nil), sitetest.Start(t, nil)
	ss := b.CreateSession(nil)
	exe := download(t, b, ss.Code)
	embedcfg.BuildSiteKey = base64.StdEncoding.EncodeToString(a.Server.SiteKey())
	defer func() { embedcfg.BuildSiteKey = "" }()
	err := run(t, exe, testdir.New(t), ss.SecurityCode)
	if !errors.Is(err, agent.ErrDamaged) || !errors.Is(err, embedcfg.ErrForeignKey) {
		t.Fatalf("got %v", err)
	}
}
