package installer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kardianos/service"
)

// Action is a `tether service` control verb (SPEC F).
type Action string

const (
	ActionStart   Action = "start"
	ActionStop    Action = "stop"
	ActionRestart Action = "restart"
	ActionStatus  Action = "status"
)

// State is the state of an installed jump client. Its value is the LSB
// exit status of `status`, the same the init-script uses, so scripts can
// treat every launcher alike.
type State int

const (
	StateRunning State = 0 // running
	StateDead    State = 1 // not running, but the init-script's pidfile is left
	StateStopped State = 3 // not running
	StateUnknown State = 4 // the service manager could not tell
)

// ExitCode is the exit status of `tether service status`.
func (s State) ExitCode() int { return int(s) }

// ControlResult is the outcome of Control: the state after the action and the
// message for the user. The wording matches the init-script's.
type ControlResult struct {
	State State
	Text  string
}

const (
	textRunning      = "Tether jump client is running."
	textRunningPID   = "Tether jump client is running (pid %d)."
	textStopped      = "Tether jump client is not running."
	textStopped1     = "Tether jump client stopped."
	textStarted      = "Tether jump client started."
	textStartedPID   = "Tether jump client started (pid %d)."
	textAlready      = "Tether jump client is already running."
	textAlreadyPID   = "Tether jump client is already running (pid %d)."
	textRestarted    = "Tether jump client restarted."
	textUnknown      = "The state of the Tether jump client is unknown."
	exitNoPrivilege  = 4 // LSB: user had insufficient privilege
	exitNotInstalled = 5 // LSB: program is not installed
)

// ErrNotInstalled means the directory holds no jump client, or its service
// is not registered.
var ErrNotInstalled = errors.New("no Tether jump client is installed")

// Control starts, stops, restarts or reports the jump client installed in
// dir with the real OS (see Installer.Control).
func Control(ctx context.Context, dir string, a Action) (ControlResult, error) {
	return (&Installer{Env: SystemEnv()}).Control(ctx, dir, a)
}

// Control acts on the jump client installed in dir through the launcher
// that Install registered: the init-script, the system service
// (kardianos), the systemd user manager, launchd, or, for launchers that
// only start it at login, the process itself with DIR/tether.pid.
func (in *Installer) Control(ctx context.Context, dir string, a Action) (ControlResult, error) {
	switch a {
	case ActionStart, ActionStop, ActionRestart, ActionStatus:
	default:
		return ControlResult{State: StateUnknown}, fmt.Errorf("%w: unknown action %q (start, stop, restart or status)", ErrUsage, a)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ControlResult{State: StateUnknown}, fmt.Errorf("%s: %w", a, err)
	}
	if _, err := os.Stat(RecordPath(dir)); err != nil {
		return ControlResult{State: StateUnknown}, fmt.Errorf("%w in %s: %w", ErrNotInstalled, dir, err)
	}
	rec, err := in.trustedRecord(dir)
	if err != nil {
		return ControlResult{State: StateUnknown}, err
	}
	in.log().Debug("jump client control", "dir", rec.Dir, "launcher", rec.Launcher, "action", a)
	switch rec.Launcher {
	case LauncherInitScript:
		return in.controlInitScript(ctx, rec, a)
	case LauncherService:
		newSvc := in.service
		if newSvc == nil {
			newSvc = newService
		}
		s, err := newSvc(rec)
		if err != nil {
			return ControlResult{State: StateUnknown}, err
		}
		return controlService(s, rec, a)
	case LauncherSystemdUser:
		return in.controlSystemdUser(ctx, rec, a)
	case LauncherLaunchAgent:
		return in.controlLaunchAgent(ctx, rec, a)
	case LauncherXDGAutostart, LauncherRunKey:
		return in.controlProcess(ctx, rec, a)
	}
	return ControlResult{State: StateUnknown}, fmt.Errorf("%w: unknown launcher %q in %s", ErrInvalid, rec.Launcher, RecordPath(dir))
}

// RunControl is the whole `tether service start|stop|restart|status`: it
// prints the result and returns the LSB exit status (status: 0 running,
// 1 dead with a pidfile left, 3 stopped, 4 unknown; the other actions: 0,
// 1 on failure, 4 without the privilege, 5 when nothing is installed).
func RunControl(ctx context.Context, dir string, action string, stdout, stderr io.Writer) int {
	return (&Installer{Env: SystemEnv()}).RunControl(ctx, dir, action, stdout, stderr)
}

// RunControl is the package-level RunControl in in.Env.
func (in *Installer) RunControl(ctx context.Context, dir string, action string, stdout, stderr io.Writer) int {
	a := Action(action)
	res, err := in.Control(ctx, dir, a)
	if res.Text != "" {
		fmt.Fprintln(stdout, res.Text)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tether service %s: %v\n", action, err)
		var lsb lsbError
		switch {
		case errors.As(err, &lsb):
			return lsb.code
		case errors.Is(err, ErrUsage):
			return ExitUsage
		case a == ActionStatus:
			return StateUnknown.ExitCode()
		case errors.Is(err, ErrNotInstalled), errors.Is(err, service.ErrNotInstalled):
			return exitNotInstalled
		case errors.Is(err, fs.ErrPermission):
			return exitNoPrivilege
		}
		return 1
	}
	if a == ActionStatus {
		return res.State.ExitCode()
	}
	return 0
}

// controlInitScript runs DIR/init-script (root: root's launcher, which runs
// it as the user), whose own output and LSB exit status are passed on
// unchanged.
func (in *Installer) controlInitScript(ctx context.Context, rec *Record, a Action) (ControlResult, error) {
	var out []byte
	var err error
	if in.Env.Euid() == 0 && rec.RootLauncher != "" {
		out, err = in.Env.Run(ctx, "/bin/sh", rec.RootLauncher, string(a))
	} else {
		out, err = in.asUser(ctx, rec, "/bin/sh", filepath.Join(rec.Dir, "init-script"), string(a))
	}
	text := strings.TrimSpace(string(out))
	code := exitStatusOf(err)
	if code < 0 {
		return ControlResult{State: StateUnknown, Text: text}, fmt.Errorf("run init-script %s: %w", a, err)
	}
	if a == ActionStatus {
		switch st := State(code); st {
		case StateRunning, StateDead, StateStopped:
			return ControlResult{State: st, Text: text}, nil
		}
		return ControlResult{State: StateUnknown, Text: text}, nil
	}
	if code != 0 {
		return ControlResult{State: StateUnknown}, lsbError{code, fmt.Errorf("init-script %s failed (exit status %d): %s", a, code, text)}
	}
	st := StateRunning
	if a == ActionStop {
		st = StateStopped
	}
	return ControlResult{State: st, Text: text}, nil
}

// lsbError carries the init-script's own LSB exit status to RunControl.
type lsbError struct {
	code int
	error
}

func (e lsbError) Unwrap() error { return e.error }

// exitStatusOf is a helper's exit status: 0 for nil, -1 when it did not run.
func exitStatusOf(err error) int {
	if err == nil {
		return 0
	}
	var ee interface{ ExitCode() int }
	if errors.As(err, &ee) && ee.ExitCode() >= 0 {
		return ee.ExitCode()
	}
	return -1
}

// controlService drives the kardianos service. Start and stop look at the
// status first because the Windows service manager refuses to start a
// running service or stop a stopped one.
func controlService(s service.Service, rec *Record, a Action) (ControlResult, error) {
	where := fmt.Sprintf("service %s on %s", rec.ServiceName, s.Platform())
	st, err := s.Status()
	if err != nil && (a == ActionStatus || errors.Is(err, service.ErrNotInstalled)) {
		return ControlResult{State: StateUnknown}, fmt.Errorf("status of %s: %w", where, err)
	}
	running := err == nil && st == service.StatusRunning
	switch {
	case a == ActionStatus && running:
		return ControlResult{State: StateRunning, Text: textRunning}, nil
	case a == ActionStatus && st == service.StatusStopped:
		return ControlResult{State: StateStopped, Text: textStopped}, nil
	case a == ActionStatus:
		return ControlResult{State: StateUnknown, Text: textUnknown}, nil
	case a == ActionStart && running:
		return ControlResult{State: StateRunning, Text: textAlready}, nil
	case a == ActionStop && !running && st == service.StatusStopped:
		return ControlResult{State: StateStopped, Text: textStopped}, nil
	case a == ActionStart, a == ActionRestart && !running:
		if err := s.Start(); err != nil {
			return ControlResult{State: StateStopped}, fmt.Errorf("start %s: %w", where, err)
		}
		return ControlResult{State: StateRunning, Text: textStarted}, nil
	case a == ActionStop:
		if err := s.Stop(); err != nil {
			return ControlResult{State: StateUnknown}, fmt.Errorf("stop %s: %w", where, err)
		}
		return ControlResult{State: StateStopped, Text: textStopped1}, nil
	}
	if err := s.Restart(); err != nil {
		return ControlResult{State: StateUnknown}, fmt.Errorf("restart %s: %w", where, err)
	}
	return ControlResult{State: StateRunning, Text: textRestarted}, nil
}
