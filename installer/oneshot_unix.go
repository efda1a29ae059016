//go:build !windows

package installer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// registerOneShot writes the XDG autostart entry or, without a desktop but
// with a systemd user manager, an enabled user unit (see oneshot.go).
func registerOneShot(name string, argv []string) (*OneShot, error) {
	if runtime.GOOS == "darwin" {
		return nil, fmt.Errorf("%w: no one-shot logon entry on macOS (reboot and reconnect is not offered there)", errors.ErrUnsupported)
	}
	base, err := userConfigHome()
	if err != nil {
		return nil, err
	}
	d := fileData{ID: name, Command: argv}
	if !hasDesktopSession() && userManagerRunning() {
		unit := filepath.Join("systemd", "user", name+".service")
		link := filepath.Join("systemd", "user", "default.target.wants", name+".service")
		o := &OneShot{Name: name, Kind: OneShotSystemd, Base: base,
			Files: []string{filepath.Join(base, link), filepath.Join(base, unit)}}
		if err := writeOneShotFiles(base, unit, tmplRejoinUnit, d); err != nil {
			return nil, err
		}
		// What `systemctl --user enable` does, without needing the
		// manager's answer; the manager reads it at the next start.
		if err := enableOneShotUnit(base, link, name+".service"); err != nil {
			o.Remove()
			return nil, err
		}
		return o, nil
	}
	rel := filepath.Join("autostart", name+".desktop")
	if err := writeOneShotFiles(base, rel, tmplRejoinDesktop, d); err != nil {
		return nil, err
	}
	return &OneShot{Name: name, Kind: OneShotXDG, Base: base, Files: []string{filepath.Join(base, rel)}}, nil
}

// enableOneShotUnit links default.target.wants/UNIT to ../UNIT (relative,
// so it stays inside the config dir), replacing what was there.
func enableOneShotUnit(base, link, unit string) error {
	t, err := openTree(base, -1, -1)
	if err != nil {
		return err
	}
	defer t.close()
	if err := t.mkdirAll(filepath.Dir(link), 0o755); err != nil {
		return err
	}
	if err := t.root.Remove(link); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("replace %s: %w", filepath.Join(base, link), err)
	}
	return t.symlink(filepath.Join("..", unit), link)
}

// hasDesktopSession reports whether this process runs in a graphical
// session, where XDG autostart entries are started.
func hasDesktopSession() bool {
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}

// userManagerRunning reports whether this user has a systemd user manager
// (its private socket is in $XDG_RUNTIME_DIR).
func userManagerRunning() bool {
	rt := os.Getenv("XDG_RUNTIME_DIR")
	if !filepath.IsAbs(rt) {
		return false
	}
	_, err := os.Stat(filepath.Join(rt, "systemd", "private"))
	return err == nil
}

// deleteRunOnce: the RunOnce key exists only on Windows.
func deleteRunOnce(string) error { return nil }
