//go:build linux

package installer

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// userModeEnv is the real OS with HOME (and the current user's home) moved
// to home, so autostart entries land in a temp dir, never in the real
// ~/.config.
func userModeEnv(home string) Env {
	env := SystemEnv()
	env.SysRoot = filepath.Join(home, ".sysroot")
	env.Getenv = func(k string) string {
		switch k {
		case "HOME":
			return home
		case EnvPackage:
			return ""
		}
		return os.Getenv(k)
	}
	env.CurrentUser = func() (*user.User, error) {
		u, err := user.Current()
		if err != nil {
			return nil, err
		}
		c := *u
		c.HomeDir = home
		return &c, nil
	}
	return env
}

// shortGrace keeps the start checks quick; the fake agent fails (or not)
// within milliseconds.
func shortGrace(t *testing.T) {
	old := startGrace
	startGrace = 300 * time.Millisecond
	t.Cleanup(func() { startGrace = old })
}

// gone reports whether pid no longer runs anything from dir (a zombie's
// cmdline is empty), checked independently of processRunning.
func gone(pid int, dir string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return err != nil || !bytes.Contains(b, []byte(dir))
}

var pidText = regexp.MustCompile(`\(pid (\d+)\)\.`)

// TestUserModeControlOnThisMachine installs a jump client per user-mode
// launcher this machine can run for real, then drives it through
// Control exactly as `tether service start|stop|restart|status` does,
// checking the real process in /proc. When root, the jump client belongs
// to a throwaway user and must run as that user (SPEC C1).
func TestUserModeControlOnThisMachine(t *testing.T) {
	shortGrace(t)
	for _, l := range []Launcher{LauncherXDGAutostart, LauncherSystemdUser, LauncherInitScript} {
		t.Run(string(l), func(t *testing.T) {
			home := worldReadableTemp(t)
			name, uid, root := testUserHome(t, home)
			base := worldReadableTemp(t)
			dir := filepath.Join(base, "jc dir")
			in := &Installer{Env: userModeEnv(home)}
			opts := Options{InstallDir: dir, Mode: ModeUser, Launcher: l}
			if root {
				opts.User = name
			}
			res, err := in.Install(t.Context(), opts, writeFakeAgent(t, base))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { in.Uninstall(context.Background(), dir) })
			rec := &res.Record
			if l == LauncherSystemdUser && in.userSystemctlArgs(t.Context(), rec) != nil {
				t.Skip("a systemd user manager is reachable; it would not find a unit in the fake HOME")
			}
			t.Logf("launcher %s as %s (root %v): started at install %v, %v", l, name, root, res.Started, res.Warnings)
			if res.Started {
				expectControl(t, in, dir, ActionStatus, 0, `^Tether jump client is running \(pid \d+\)\.$`)
			}
			expectControl(t, in, dir, ActionStop, 0, `^Tether jump client (stopped|is not running)\.$`)
			expectControl(t, in, dir, ActionStatus, 3, `^Tether jump client is not running\.$`)
			pid1 := expectControl(t, in, dir, ActionStart, 0, `^Tether jump client started \(pid \d+\)\.$`)
			checkAgent(t, rec, pid1, uid)
			expectControl(t, in, dir, ActionStatus, 0, `^Tether jump client is running \(pid `+strconv.Itoa(pid1)+`\)\.$`)
			expectControl(t, in, dir, ActionStart, 0, `^Tether jump client is already running \(pid `+strconv.Itoa(pid1)+`\)\.$`)
			pid2 := expectControl(t, in, dir, ActionRestart, 0, `^Tether jump client stopped\.\nTether jump client started \(pid \d+\)\.$`)
			if pid2 == pid1 || !gone(pid1, dir) {
				t.Errorf("restart: old pid %d (gone %v), new pid %d", pid1, gone(pid1, dir), pid2)
			}
			checkAgent(t, rec, pid2, uid)
			began := time.Now()
			expectControl(t, in, dir, ActionStop, 0, `^Tether jump client stopped\.$`)
			if d := time.Since(began); d > stopTimeout/2 {
				t.Errorf("stop took %v: the agent did not exit on SIGTERM", d)
			}
			if !gone(pid2, dir) {
				t.Errorf("pid %d still runs after stop", pid2)
			}
			expectControl(t, in, dir, ActionStatus, 3, `^Tether jump client is not running\.$`)
			// Uninstall stops a running agent and removes every file.
			pid3 := expectControl(t, in, dir, ActionStart, 0, `started`)
			if err := in.Uninstall(t.Context(), dir); err != nil {
				t.Fatal(err)
			}
			if !gone(pid3, dir) {
				t.Errorf("pid %d still runs after Uninstall", pid3)
			}
			for _, p := range append(res.Files, dir) {
				if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s left after Uninstall", p)
				}
			}
		})
	}
}

// expectControl runs an action as the CLI does and returns the pid it
// printed (0 if none).
func expectControl(t *testing.T, in *Installer, dir string, a Action, code int, text string) int {
	t.Helper()
	var stdout, stderr bytes.Buffer
	got := in.RunControl(t.Context(), dir, string(a), &stdout, &stderr)
	out := strings.TrimSuffix(stdout.String(), "\n")
	if got != code || !regexp.MustCompile(text).MatchString(out) {
		t.Fatalf("service %s: exit %d, stdout %q, stderr %q; want exit %d and %s", a, got, out, stderr.String(), code, text)
	}
	m := pidText.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		return 0
	}
	pid, _ := strconv.Atoi(m[len(m)-1][1])
	return pid
}

// checkAgent asserts that pid is the agent of rec, recorded in the
// pidfile, running `service run` as uid.
func checkAgent(t *testing.T, rec *Record, pid, uid int) {
	t.Helper()
	if b, _ := os.ReadFile(pidFile(rec)); strings.TrimSpace(string(b)) != strconv.Itoa(pid) {
		t.Errorf("pidfile holds %q, want %d", b, pid)
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		t.Fatalf("pid %d is not running: %v", pid, err)
	}
	want := strings.Join(AgentCommand(rec.BinaryPath(), rec.StateDir()), "\x00")
	if !bytes.Contains(cmdline, []byte(want)) {
		t.Errorf("pid %d runs %q, want %q", pid, cmdline, want)
	}
	status, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" && f[1] != strconv.Itoa(uid) {
			t.Errorf("agent runs as uid %s, want %d", f[1], uid)
		}
	}
}

// TestControlPidfileEdgeCases: a pidfile naming another process is not
// the agent, and an agent that dies at once is reported by start.
func TestControlPidfileEdgeCases(t *testing.T) {
	shortGrace(t)
	home := worldReadableTemp(t)
	name, _, root := testUserHome(t, home)
	base := worldReadableTemp(t)
	self := filepath.Join(base, "failing-tether")
	if err := os.WriteFile(self, []byte("#!/bin/sh\necho 'cannot reach the site' >&2\nexit 7\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "jc")
	in := &Installer{Env: userModeEnv(home)}
	opts := Options{InstallDir: dir, Mode: ModeUser, Launcher: LauncherXDGAutostart}
	if root {
		opts.User = name
	}
	res, err := in.Install(t.Context(), opts, self)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Uninstall(context.Background(), dir)
	if res.Started {
		t.Error("an agent that exits at once counted as started")
	}
	// A recycled pid: this test process is alive but is not the agent.
	os.WriteFile(pidFile(&res.Record), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	expectControl(t, in, dir, ActionStatus, 3, `^Tether jump client is not running\.$`)
	var stdout, stderr bytes.Buffer
	if code := in.RunControl(t.Context(), dir, "start", &stdout, &stderr); code != 1 {
		t.Errorf("start of a failing agent: exit %d", code)
	}
	if msg := stderr.String(); !strings.Contains(msg, "exit status 7") || !strings.Contains(msg, "cannot reach the site") {
		t.Errorf("start failure does not explain itself: %q", msg)
	}
	if _, err := os.Stat(pidFile(&res.Record)); !errors.Is(err, fs.ErrNotExist) {
		t.Error("failed start left a pidfile")
	}
}
