//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/installer"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/syncbuf"
)

// TestRebootAndReconnect runs the real support app (go build) against a
// real site with a fake clock. Only the OS reboot is fake: `systemctl` is
// a script first in PATH that notes its arguments and stops the app with
// SIGTERM, as a shutting-down system does. The test then runs the command
// line of the XDG autostart entry the app wrote, exactly as a session
// manager would at the next logon (B1, B3, B4, A5):
//
//   - "No" leaves the session alone;
//   - "Yes": the entry brings the same downloaded program back with the same
//     state — no new download, same session and identity — it asks before
//     sharing resumes, removes the entry, and the session is activated;
//   - back more than 10 minutes after the reboot (the site's fake clock),
//     the app gets session_expired and removes itself and the entry.
func TestRebootAndReconnect(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh for the fake systemctl")
	}
	s := sitetest.Start(t, nil)
	os.Remove(filepath.Join(s.Agents, "tether-linux-amd64")) // the stand-in
	buildAgent(t, "dev", filepath.Join(s.Agents, "tether-linux-amd64"))
	tmp := t.TempDir()
	home, state, fakebin := filepath.Join(tmp, "home"), filepath.Join(tmp, "state"), filepath.Join(tmp, "bin")
	os.MkdirAll(filepath.Join(home, "Downloads"), 0o700)
	os.MkdirAll(fakebin, 0o755)
	calls := filepath.Join(tmp, "systemctl-calls")
	// A shutdown takes a moment before it stops the app, in which the site
	// reads the app's last report; then SIGTERM, as systemd sends it.
	script := "#!/bin/sh\necho \"$@\" >> '" + calls + "'\n(sleep 1; kill -TERM $PPID) &\n"
	if err := os.WriteFile(filepath.Join(fakebin, "systemctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "PATH=" + fakebin + ":/usr/bin:/bin", "TETHER_NO_DIALOG=1",
		"XDG_RUNTIME_DIR=" + t.TempDir(), "LANG=C.UTF-8"}

	ss := s.CreateSession(nil)
	app, st, eb := s.Download(ss.Code, "linux-amd64", filepath.Join(home, "Downloads"))
	if st != 200 {
		t.Fatalf("download: %d %+v", st, eb)
	}
	p := startProc(t, env, app, "support", "--state-dir", state, "--security-code", ss.SecurityCode)
	waitSession(t, s, ss.ID, "activated", true)
	identity, _ := os.ReadFile(filepath.Join(state, "identity.key"))
	entry := filepath.Join(home, ".config", "autostart", "tether-rejoin-"+ss.ID+".desktop")

	// "No".
	rebootSession(t, s, ss.ID)
	p.answer(t, "tech wants to restart your computer", "n")
	sitetest.WaitFor(t, "back to activated", func() bool { return s.Get(ss.ID).Status == "activated" })
	if exists(entry) || exists(calls) || p.exited() {
		t.Fatal("a declined reboot registered an entry, restarted or ended the app")
	}

	// "Yes": the OS restarts and stops the app.
	rebootSession(t, s, ss.ID)
	p.answer(t, "tech wants to restart your computer", "y")
	if err := p.wait(t); err != nil {
		t.Fatalf("the app stopped by the restart: %v", err)
	}
	if b, _ := os.ReadFile(calls); string(b) != "reboot\n" {
		t.Fatalf("systemctl called with %q", b)
	}
	argv := entryArgv(t, entry)
	if want := []string{app, "support", "--rejoin", "--state-dir", state}; !slices.Equal(argv, want) {
		t.Fatalf("the entry runs %q, want %q", argv, want)
	}
	if g := s.Get(ss.ID); g.Status != "rebooting" {
		t.Fatalf("while away: %s", g.Status)
	}

	// The next logon runs the entry.
	q := startProc(t, env, argv[0], argv[1:]...)
	q.answer(t, "Your computer has restarted. Let tech see and control your screen again?", "y")
	waitSession(t, s, ss.ID, "activated", true)
	sitetest.WaitFor(t, "entry removed", func() bool { return !exists(entry) })
	if now, _ := os.ReadFile(filepath.Join(state, "identity.key")); len(identity) == 0 || !bytes.Equal(now, identity) {
		t.Fatal("another identity after the restart")
	}
	if n := countEvents(s, ss.ID, "downloaded"); n != 1 {
		t.Fatalf("%d downloads", n)
	}
	if n := countEvents(s, ss.ID, "rejoined"); n != 1 {
		t.Fatalf("%d rejoins", n)
	}

	// Again, but the computer is back 10 minutes later: too late.
	os.Remove(calls)
	rebootSession(t, s, ss.ID)
	q.answer(t, "restart your computer", "y")
	if err := q.wait(t); err != nil {
		t.Fatalf("the app stopped by the restart: %v", err)
	}
	sitetest.WaitFor(t, "the site heard the restart", func() bool {
		return countEvents(s, ss.ID, "rebooting") == 2 && !s.Get(ss.ID).Online
	})
	s.Clock.Advance(10 * time.Minute)
	argv = entryArgv(t, entry)
	late := startProc(t, env, argv[0], argv[1:]...)
	var ee *exec.ExitError
	if err := late.wait(t); !errors.As(err, &ee) || ee.ExitCode() != 11 {
		t.Fatalf("late rejoin: %v, want exit status 11 (session_expired)\n%s", err, late.out.String())
	}
	if !strings.Contains(late.out.String(), "This support session has expired. Inform your support technician.") {
		t.Fatalf("late rejoin said:\n%s", late.out.String())
	}
	for _, f := range []string{app, entry, filepath.Join(state, "identity.key"), filepath.Join(state, "rejoin.json")} {
		if exists(f) {
			t.Errorf("%s left after session_expired", f)
		}
	}
	if g := s.Get(ss.ID); g.Status != "expired" {
		t.Fatalf("status %s", g.Status)
	}
}

// proc is an agent process whose questions the test answers on stdin.
type proc struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *syncbuf.Buffer
	done chan error
	// answered counts the questions answered so far.
	answered int
}

func startProc(t *testing.T, env []string, name string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	dieWithTest(cmd)
	p := &proc{cmd: cmd, out: &syncbuf.Buffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	var err error
	if p.in, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(name), p.out.String())
		}
	})
	return p
}

// answer waits for a question with want on the app's output, then types
// the answer.
func (p *proc) answer(t *testing.T, want, answer string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if qs := questions(p.out.String()); len(qs) > p.answered {
			if !strings.Contains(qs[p.answered], want) {
				t.Fatalf("asked %q, want %q", qs[p.answered], want)
			}
			p.answered++
			fmt.Fprintln(p.in, answer)
			return
		}
		if time.Now().After(deadline) || p.exited() {
			t.Fatalf("not asked %q; output:\n%s", want, p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// questions are the yes/no questions the app asked on its output.
func questions(out string) []string {
	var qs []string
	sc := bufio.NewScanner(strings.NewReader(strings.ReplaceAll(out, "[y/N] ", "[y/N]\n")))
	for sc.Scan() {
		if strings.HasSuffix(sc.Text(), "[y/N]") {
			qs = append(qs, sc.Text())
		}
	}
	return qs
}

func (p *proc) exited() bool {
	select {
	case err := <-p.done:
		p.done <- err
		return true
	default:
		return false
	}
}

func (p *proc) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(20 * time.Second):
		t.Fatalf("the app did not end; output:\n%s", p.out.String())
		return nil
	}
}

func rebootSession(t *testing.T, s *sitetest.Site, id string) {
	t.Helper()
	var eb sitetest.ErrorBody
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+id+"/reboot", map[string]any{}, &eb); st != 202 {
		t.Fatalf("reboot: %d %+v", st, eb)
	}
}

func waitSession(t *testing.T, s *sitetest.Site, id, status string, online bool) {
	t.Helper()
	sitetest.WaitFor(t, "session "+status, func() bool {
		g := s.Get(id)
		return g.Status == status && g.Online == online
	})
}

// entryArgv reads the entry's Exec= line as a session manager does.
func entryArgv(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no logon entry: %v", err)
	}
	argv, err := installer.DesktopFileArgs(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return argv
}

func countEvents(s *sitetest.Site, id, event string) int {
	var out struct{ Items []struct{ Event string } }
	s.Do(s.Token, "GET", "/api/v1/audit?session="+id, nil, &out)
	n := 0
	for _, e := range out.Items {
		if e.Event == event {
			n++
		}
	}
	return n
}

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }
