package installer

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// userSystemctlArgs addresses rec.User's systemd manager: directly when we
// are that user, through the system manager (-M user@) when root acts for
// them. It returns nil when that manager is not reachable (no systemd, or
// the user has no session), which `systemctl show-environment` tells
// cheaply.
func (in *Installer) userSystemctlArgs(ctx context.Context, rec *Record) []string {
	args := []string{"--user"}
	if in.Env.Euid() == 0 && rec.User != "" && rec.User != "root" {
		args = append(args, "-M", rec.User+"@")
	}
	if _, err := in.Env.Run(ctx, "systemctl", append(args, "show-environment")...); err != nil {
		return nil
	}
	return args
}

// controlSystemdUser uses the user's systemd manager when it is reachable
// and otherwise runs the agent directly with a pidfile (a headless box
// with systemd installed but not running, or root acting for a user
// without a session). An agent started directly counts as running even
// once the manager is back, and stop ends it too.
func (in *Installer) controlSystemdUser(ctx context.Context, rec *Record, a Action) (ControlResult, error) {
	args := in.userSystemctlArgs(ctx, rec)
	if args == nil {
		in.log().Debug("no systemd user manager reachable; controlling the agent process directly")
		return in.controlProcess(ctx, rec, a)
	}
	unit := rec.ServiceName + ".service"
	systemctl := func(verb string) error {
		out, err := in.Env.Run(ctx, "systemctl", append(args, verb, unit)...)
		if err != nil {
			return fmt.Errorf("systemctl %s %s: %w: %s", strings.Join(args, " "), verb, err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	out, _ := in.Env.Run(ctx, "systemctl", append(args, "is-active", unit)...)
	active := unitActive(string(out))
	pid, direct := agentPID(rec)
	switch a {
	case ActionStatus:
		if direct {
			return runningResult(pid), nil
		}
		if active {
			return ControlResult{State: StateRunning, Text: textRunning}, nil
		}
		return ControlResult{State: StateStopped, Text: textStopped}, nil
	case ActionStart:
		if direct {
			return ControlResult{State: StateRunning, Text: fmt.Sprintf(textAlreadyPID, pid)}, nil
		}
		if active {
			return ControlResult{State: StateRunning, Text: textAlready}, nil
		}
	}
	if direct && (a == ActionStop || a == ActionRestart) {
		if err := stopAgent(ctx, rec, pid); err != nil {
			return ControlResult{State: StateUnknown}, err
		}
	}
	if a == ActionStop {
		if !active && !direct {
			return ControlResult{State: StateStopped, Text: textStopped}, nil
		}
		if err := systemctl("stop"); err != nil {
			return ControlResult{State: StateUnknown}, err
		}
		return ControlResult{State: StateStopped, Text: textStopped1}, nil
	}
	// Root may have installed the unit after the manager last loaded.
	in.Env.Run(ctx, "systemctl", append(args, "daemon-reload")...)
	if err := systemctl(string(a)); err != nil {
		return ControlResult{State: StateStopped}, err
	}
	if a == ActionRestart {
		return ControlResult{State: StateRunning, Text: textRestarted}, nil
	}
	return ControlResult{State: StateRunning, Text: textStarted}, nil
}

// unitActive reads `systemctl is-active`; like kardianos, a unit that is
// activating (e.g. waiting to be restarted) counts as running.
func unitActive(out string) bool {
	s := strings.TrimSpace(out)
	return s == "active" || s == "activating" || s == "reloading"
}

func launchdLabel(id string) string { return "com.tether.jumpclient." + id }

var launchdPID = regexp.MustCompile(`"PID" = (\d+);`)

// launchctl runs launchctl in the user's GUI domain: root acting for the
// user goes through `launchctl asuser`, or it would reach the system
// domain.
func (in *Installer) launchctl(ctx context.Context, rec *Record, args ...string) ([]byte, error) {
	if in.Env.Euid() == 0 && rec.User != "" && rec.User != "root" {
		u, err := in.Env.LookupUser(rec.User)
		if err != nil {
			return nil, fmt.Errorf("look up %s: %w", rec.User, err)
		}
		args = append([]string{"asuser", u.Uid, "launchctl"}, args...)
	}
	out, err := in.Env.Run(ctx, "launchctl", args...)
	if err != nil {
		return out, fmt.Errorf("launchctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return out, nil
}

// launchAgentPlist is the plist Install wrote (recorded in rec.Files).
func (in *Installer) launchAgentPlist(rec *Record) string {
	for _, f := range rec.Files {
		if strings.HasSuffix(f, ".plist") {
			return f
		}
	}
	return launchAgentFile(in.Env.Getenv("HOME"), launchdLabel(rec.ID))
}

// controlLaunchAgent uses launchctl. Stop unloads without -w, so the agent
// still starts at the next login; start loads with -w, undoing a disable.
func (in *Installer) controlLaunchAgent(ctx context.Context, rec *Record, a Action) (ControlResult, error) {
	plist := in.launchAgentPlist(rec)
	out, err := in.launchctl(ctx, rec, "list", launchdLabel(rec.ID))
	loaded := err == nil
	pid := 0
	if m := launchdPID.FindSubmatch(out); loaded && m != nil {
		pid, _ = strconv.Atoi(string(m[1]))
	}
	switch {
	case a == ActionStatus && pid > 0:
		return runningResult(pid), nil
	case a == ActionStatus:
		return ControlResult{State: StateStopped, Text: textStopped}, nil
	case a == ActionStart && pid > 0:
		return ControlResult{State: StateRunning, Text: fmt.Sprintf(textAlreadyPID, pid)}, nil
	case a == ActionStart && loaded:
		if _, err := in.launchctl(ctx, rec, "start", launchdLabel(rec.ID)); err != nil {
			return ControlResult{State: StateStopped}, err
		}
		return ControlResult{State: StateRunning, Text: textStarted}, nil
	case a == ActionStop && !loaded:
		return ControlResult{State: StateStopped, Text: textStopped}, nil
	}
	if loaded {
		if _, err := in.launchctl(ctx, rec, "unload", plist); err != nil {
			return ControlResult{State: StateUnknown}, err
		}
	}
	if a == ActionStop {
		return ControlResult{State: StateStopped, Text: textStopped1}, nil
	}
	if _, err := in.launchctl(ctx, rec, "load", "-w", plist); err != nil {
		return ControlResult{State: StateStopped}, err
	}
	if a == ActionRestart {
		return ControlResult{State: StateRunning, Text: textRestarted}, nil
	}
	return ControlResult{State: StateRunning, Text: textStarted}, nil
}
