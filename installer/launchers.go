package installer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// register makes the OS start the jump client (except for the init-script,
// which the admin starts, SPEC C5). Files created outside the install dir
// are added to rec.Files for Uninstall. t is the install dir.
func (in *Installer) register(ctx context.Context, p *plan, rec *Record, t *tree) error {
	d := newFileDataState(rec.Dir, rec.ID, rec.User, rec.Binary, rec.StateDir())
	d.RootLauncher, d.RootRecord = rec.RootLauncher, rec.RootRecord
	if err := in.writeRootLauncher(rec, d); err != nil {
		return err
	}
	switch rec.Launcher {
	case LauncherInitScript:
		return writeScripts(t, d)
	case LauncherService:
		return installService(rec)
	case LauncherSystemdUser:
		return in.writeUserFile(p, rec, systemdUserUnit(p.home(in.Env), rec.ServiceName), tmplSystemdUser, d,
			func(home *tree, unit string) error { return enableUserUnit(home, rec, unit) })
	case LauncherXDGAutostart:
		return in.writeUserFile(p, rec, xdgAutostartFile(p.home(in.Env), rec.ServiceName), tmplDesktop, d, nil)
	case LauncherLaunchAgent:
		return in.writeUserFile(p, rec, launchAgentFile(p.home(in.Env), d.Label), tmplLaunchAgent, d, nil)
	case LauncherRunKey:
		return setRunKey(rec.ServiceName, windowsCommandLine(d.StartCommand))
	}
	return fmt.Errorf("%w: unknown launcher %q", ErrInvalid, rec.Launcher)
}

func writeScripts(t *tree, d fileData) error {
	for _, f := range []struct{ name, tmpl string }{
		{"init-script", tmplInitScript},
		{"uninstall", tmplUninstall},
	} {
		b, err := render(f.tmpl, d)
		if err != nil {
			return err
		}
		if err := t.writeFile(f.name, b, 0o755); err != nil {
			return err
		}
	}
	return nil
}

func (p *plan) home(env Env) string {
	if p.runAs != nil && p.runAs.HomeDir != "" {
		return p.runAs.HomeDir
	}
	return env.Getenv("HOME")
}

func systemdUserUnit(home, name string) string {
	return filepath.Join(home, ".config", "systemd", "user", name+".service")
}

func xdgAutostartFile(home, name string) string {
	return filepath.Join(home, ".config", "autostart", name+".desktop")
}

func launchAgentFile(home, label string) string {
	return filepath.Join(home, "Library", "LaunchAgents", label+".plist")
}

// writeUserFile renders tmpl to path in the user's home, creating (and
// handing over) missing parent dirs, then runs after (if any). The home is
// the user's to change: everything goes through a tree opened on it.
func (in *Installer) writeUserFile(p *plan, rec *Record, path, tmpl string, d fileData, after func(*tree, string) error) error {
	b, err := render(tmpl, d)
	if err != nil {
		return err
	}
	uid, gid := p.owner()
	home, err := openTree(p.home(in.Env), uid, gid)
	if err != nil {
		return err
	}
	defer home.close()
	name, err := home.rel(path)
	if err != nil {
		return err
	}
	if err := home.mkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	if home.exists(name) {
		return fmt.Errorf("%w: %s already exists", ErrInvalid, path)
	}
	if err := home.writeFile(name, b, 0o644); err != nil {
		return err
	}
	rec.Files = append(rec.Files, path)
	if after != nil {
		return after(home, path)
	}
	return nil
}

// enableUserUnit does what `systemctl --user enable` does (a symlink in
// default.target.wants) so it works even when root installs for a user
// whose user manager is not running. The link is relative, so it stays
// inside the home.
func enableUserUnit(home *tree, rec *Record, unit string) error {
	wants := filepath.Join(filepath.Dir(unit), "default.target.wants")
	name, err := home.rel(wants)
	if err != nil {
		return err
	}
	if err := home.mkdirAll(name, 0o755); err != nil {
		return err
	}
	link := filepath.Join(wants, filepath.Base(unit))
	if err := home.symlink(filepath.Join("..", filepath.Base(unit)), filepath.Join(name, filepath.Base(unit))); err != nil {
		return fmt.Errorf("enable %s: %w", filepath.Base(unit), err)
	}
	rec.Files = append(rec.Files, link)
	return nil
}

// start starts a freshly registered jump client where that is possible
// without a login session; failures are warnings because the launcher
// will start it at the next boot or login anyway.
func (in *Installer) start(ctx context.Context, p *plan, res *Result) {
	rec := &res.Record
	warn := func(what string, err error) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s: %v", what, err))
		in.log().Warn(what, "err", err)
	}
	switch rec.Launcher {
	case LauncherInitScript:
		start, remove := filepath.Join(rec.Dir, "init-script")+" start", filepath.Join(rec.Dir, "uninstall")
		if rec.RootLauncher != "" { // root's own launcher: the one boot scripts call
			start, remove = rec.RootLauncher+" start", rec.RootLauncher+" uninstall"
		}
		res.Next = fmt.Sprintf("Start the jump client with: %s\n"+
			"(call it from rc.local or a boot script to start it at boot; remove it with %s)", start, remove)
	case LauncherService:
		if err := startService(rec); err != nil {
			warn("start service", err)
			return
		}
		res.Started = true
	case LauncherSystemdUser:
		args := in.userSystemctl(p)
		if _, err := in.Env.Run(ctx, "systemctl", append(args, "daemon-reload")...); err != nil {
			warn("systemctl --user daemon-reload", err)
			res.Next = "The jump client starts at " + rec.User + "'s next login."
			return
		}
		if out, err := in.Env.Run(ctx, "systemctl", append(args, "start", rec.ServiceName+".service")...); err != nil {
			warn("systemctl --user start", fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out))))
			return
		}
		res.Started = true
	case LauncherLaunchAgent:
		plist := launchAgentFile(p.home(in.Env), launchdLabel(rec.ID))
		if out, err := in.Env.Run(ctx, "launchctl", "load", "-w", plist); err != nil {
			warn("launchctl load", fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out))))
			return
		}
		res.Started = true
	case LauncherXDGAutostart, LauncherRunKey:
		if p.chown {
			res.Next = "The jump client starts at " + rec.User + "'s next login."
			return
		}
		if _, err := in.startAgent(ctx, rec); err != nil {
			warn("start jump client", err)
			return
		}
		res.Started = true
	}
}

// userSystemctl addresses the user's systemd manager: directly when we are
// that user, through the system manager (-M user@) when root installs.
func (in *Installer) userSystemctl(p *plan) []string {
	if p.chown {
		return []string{"--user", "-M", p.runAs.Username + "@"}
	}
	return []string{"--user"}
}

// unregister stops the jump client and removes the launcher registration
// (files in rec.Files are removed by the caller).
func (in *Installer) unregister(ctx context.Context, rec *Record) error {
	switch rec.Launcher {
	case LauncherInitScript:
		script := filepath.Join(rec.Dir, "init-script")
		if _, err := os.Stat(script); err != nil {
			return nil
		}
		// The script is the user's: root runs it as the user.
		if out, err := in.asUser(ctx, rec, "/bin/sh", script, "stop"); err != nil {
			return fmt.Errorf("stop jump client: %w: %s", err, strings.TrimSpace(string(out)))
		}
	case LauncherService:
		return uninstallService(rec)
	case LauncherSystemdUser:
		// Best effort: the user manager may not be running (no login).
		if args := in.userSystemctlArgs(ctx, rec); args != nil {
			in.Env.Run(ctx, "systemctl", append(args, "stop", rec.ServiceName+".service")...)
		}
		return stopPidfileAgent(ctx, rec)
	case LauncherLaunchAgent:
		for _, f := range rec.Files {
			in.launchctl(ctx, rec, "unload", "-w", f)
		}
	case LauncherXDGAutostart:
		return stopPidfileAgent(ctx, rec)
	case LauncherRunKey:
		return errors.Join(stopPidfileAgent(ctx, rec), deleteRunKey(rec.ServiceName))
	}
	return nil
}

// stopPidfileAgent stops an agent started with a pidfile (by `start` or
// at login), if one runs.
func stopPidfileAgent(ctx context.Context, rec *Record) error {
	if pid, ok := agentPID(rec); ok {
		return stopAgent(ctx, rec, pid)
	}
	return nil
}

// windowsCommandLine quotes argv for CreateProcess (the Run value is a
// command line, not an argv).
func windowsCommandLine(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = windowsQuote(a)
	}
	return strings.Join(q, " ")
}

// windowsQuote implements the CommandLineToArgvW rules: backslashes are
// literal except before a quote, where they must be doubled.
func windowsQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	slashes := 0
	for _, c := range s {
		switch c {
		case '\\':
			slashes++
			continue
		case '"':
			b.WriteString(strings.Repeat(`\`, slashes*2+1))
		default:
			b.WriteString(strings.Repeat(`\`, slashes))
		}
		slashes = 0
		b.WriteRune(c)
	}
	b.WriteString(strings.Repeat(`\`, slashes*2))
	b.WriteByte('"')
	return b.String()
}
