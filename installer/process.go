package installer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Launchers without a process manager (XDG autostart, the Run key, and
// systemd --user when no user manager is reachable) run the agent directly
// and track it with DIR/tether.pid, the same pidfile and log the
// init-script uses.

const maxLogSize = 10 << 20 // rotate DIR/tether.log at 10 MB, like the init-script

var (
	// startGrace is how long a fresh agent must stay up to count as
	// started, so that an immediate failure is reported by `start`.
	startGrace = time.Second
	// stopTimeout is how long stop waits after SIGTERM before SIGKILL.
	stopTimeout = 10 * time.Second
)

func pidFile(rec *Record) string { return filepath.Join(rec.Dir, "tether.pid") }
func logFile(rec *Record) string { return filepath.Join(rec.Dir, "tether.log") }

// agentPID returns the pid in the pidfile and whether that process is the
// agent; a missing or stale pidfile is pid 0.
func agentPID(rec *Record) (int, bool) {
	b, err := os.ReadFile(pidFile(rec))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, processRunning(pid, rec.BinaryPath())
}

// startAgent starts `DIR/tether service run` detached, logging to
// DIR/tether.log, records its pid and waits startGrace to see it stay up.
// Root starting a jump client runs it as rec.User (SPEC C1).
func (in *Installer) startAgent(ctx context.Context, rec *Record) (int, error) {
	argv := AgentCommand(rec.BinaryPath(), rec.StateDir())
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = rec.Dir
	detach(cmd)
	uid, gid, err := in.runAsOwner(cmd, rec)
	if err != nil {
		return 0, err
	}
	logf, err := openLog(logFile(rec))
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	if uid >= 0 {
		if err := in.Env.Chown(logFile(rec), uid, gid); err != nil {
			return 0, fmt.Errorf("give %s to %s: %w", logFile(rec), rec.User, err)
		}
	}
	cmd.Stdout, cmd.Stderr = logf, logf // stdin stays /dev/null
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", argv[0], err)
	}
	pid := cmd.Process.Pid
	// Reap it if it exits while we are alive (tests, the installer), and
	// learn about an immediate failure.
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if err := writePID(pidFile(rec), pid, uid, gid, in.Env.Chown); err != nil {
		terminate(pid, true)
		return 0, err
	}
	select {
	case err := <-exited:
		os.Remove(pidFile(rec))
		if err == nil {
			err = errors.New("exit status 0")
		}
		return 0, fmt.Errorf("the jump client exited at once (%w); see %s:\n%s", err, logFile(rec), logTail(logFile(rec)))
	case <-ctx.Done():
	case <-time.After(startGrace):
	}
	return pid, nil
}

// runAsOwner sets cmd to run as rec.User when root starts it; it returns
// that uid/gid (-1 when nothing changes) so new files can be handed over.
func (in *Installer) runAsOwner(cmd *exec.Cmd, rec *Record) (uid, gid int, err error) {
	if in.Env.GOOS == "windows" || in.Env.Euid() != 0 || rec.User == "" {
		return -1, -1, nil
	}
	u, err := in.Env.LookupUser(rec.User)
	if err != nil {
		return -1, -1, fmt.Errorf("look up %s: %w", rec.User, err)
	}
	if u.Uid == "0" {
		if in.Env.GOOS == "linux" {
			return -1, -1, fmt.Errorf("%w: Tether will not run a jump client as root", ErrInvalid)
		}
		return -1, -1, nil
	}
	if err := runAs(cmd, u); err != nil {
		return -1, -1, err
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid, nil
}

func openLog(path string) (*os.File, error) {
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxLogSize {
		os.Rename(path, path+".old")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return f, nil
}

// writePID replaces the pidfile by rename, which works even when an old
// pidfile belongs to another account (root started the previous agent).
func writePID(path string, pid, uid, gid int, chown func(string, int, int) error) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return fmt.Errorf("write pidfile: %w", err)
	}
	if uid >= 0 {
		if err := chown(tmp, uid, gid); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("give pidfile away: %w", err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write pidfile: %w", err)
	}
	return nil
}

// logTail is the last lines of the agent's log, for start failures.
func logTail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], "\n")
}

// stopAgent terminates pid (SIGTERM, then SIGKILL after stopTimeout) and
// removes the pidfile. It never stops the calling process: a jump client
// that uninstalls itself (C8) runs this code and must finish removing its
// files.
func stopAgent(ctx context.Context, rec *Record, pid int) error {
	if pid == os.Getpid() {
		return nil
	}
	if err := terminate(pid, false); err != nil {
		return err
	}
	deadline := time.Now().Add(stopTimeout)
	for processRunning(pid, rec.BinaryPath()) {
		if time.Now().After(deadline) {
			if err := terminate(pid, true); err != nil {
				return err
			}
			time.Sleep(500 * time.Millisecond)
			if processRunning(pid, rec.BinaryPath()) {
				return fmt.Errorf("could not stop the jump client (pid %d)", pid)
			}
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stop jump client: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err := os.Remove(pidFile(rec)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove pidfile: %w", err)
	}
	return nil
}

// controlProcess is Control for the pidfile launchers.
func (in *Installer) controlProcess(ctx context.Context, rec *Record, a Action) (ControlResult, error) {
	pid, running := agentPID(rec)
	switch a {
	case ActionStatus:
		if running {
			return runningResult(pid), nil
		}
		return ControlResult{State: StateStopped, Text: textStopped}, nil
	case ActionStart:
		if running {
			return ControlResult{State: StateRunning, Text: fmt.Sprintf(textAlreadyPID, pid)}, nil
		}
	case ActionStop, ActionRestart:
		var text string
		if running {
			if err := stopAgent(ctx, rec, pid); err != nil {
				return ControlResult{State: StateUnknown}, err
			}
			text = textStopped1
		} else {
			os.Remove(pidFile(rec)) // stale
			text = textStopped
		}
		if a == ActionStop {
			return ControlResult{State: StateStopped, Text: text}, nil
		}
		res, err := in.controlProcess(ctx, rec, ActionStart)
		res.Text = text + "\n" + res.Text
		return res, err
	}
	pid, err := in.startAgent(ctx, rec)
	if err != nil {
		return ControlResult{State: StateStopped}, err
	}
	return ControlResult{State: StateRunning, Text: fmt.Sprintf(textStartedPID, pid)}, nil
}

func runningResult(pid int) ControlResult {
	return ControlResult{State: StateRunning, Text: fmt.Sprintf(textRunningPID, pid)}
}
