package installer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
)

// A one-shot logon entry starts a program once, at the user's next logon.
// The support app registers one before a reboot its technician started, so
// that it comes back by itself and rejoins the same session with no new
// request or download (SPEC B1), and removes it once it has rejoined. It is
// no jump client: its name (tether-rejoin-…) never matches instanceName, so
// Installed (A9 host_installed) does not count it.
//
// Where it goes:
//   - Linux with a desktop (or no user manager): an XDG autostart entry,
//     $XDG_CONFIG_HOME/autostart/NAME.desktop — it starts inside the
//     graphical session, with the DISPLAY the customer window and the
//     screen capture need.
//   - Linux without a desktop but with a systemd user manager: a user unit
//     NAME.service wanted by default.target (what runs at a console or SSH
//     login, or at boot for a lingering user), for a shell-only session
//     (D4). Only one of the two is written: both would start two copies.
//   - Windows: the value NAME under HKCU\…\RunOnce, which Explorer runs
//     once at the next logon of this user (and deletes before running).
//   - macOS: none; reboot and reconnect is not offered there (B5).

// OneShot is a registered entry, as the agent keeps it in its state so
// that it can remove it (after the rejoin, or with the app, A5).
type OneShot struct {
	Name string `json:"name"`
	// Kind is "xdg-autostart", "systemd-user" or "run-once".
	Kind string `json:"kind"`
	// Files are the entry's files (the unit and its enabling link), or
	// the registry value's path for run-once (for messages only).
	Files []string `json:"files"`
	// Base is the directory the files were written in ($XDG_CONFIG_HOME):
	// removal goes through it like the writing did.
	Base string `json:"base,omitempty"`
}

// Kinds of one-shot entries.
const (
	OneShotXDG     = "xdg-autostart"
	OneShotSystemd = "systemd-user"
	OneShotRunOnce = "run-once"
)

var oneShotID = regexp.MustCompile(`^[0-9a-f]{1,64}$`)

// OneShotName is the entry name for id, a session ID (lower-case hex,
// which is all that may go into a file or value name here).
func OneShotName(id string) (string, error) {
	if !oneShotID.MatchString(id) {
		return "", fmt.Errorf("%w: one-shot entry id %q is not lower-case hex", ErrInvalid, id)
	}
	return "tether-rejoin-" + id, nil
}

// RegisterOneShot makes argv run once at the current user's next logon,
// replacing an entry of the same name.
func RegisterOneShot(name string, argv []string) (*OneShot, error) {
	if len(argv) == 0 || !filepath.IsAbs(argv[0]) {
		return nil, fmt.Errorf("%w: a one-shot entry runs an absolute program path", ErrInvalid)
	}
	// Entries are lines of text (.desktop, unit files) or one command
	// line: a control character would end or split them.
	for _, a := range argv {
		if strings.ContainsFunc(a, unicode.IsControl) {
			return nil, fmt.Errorf("%w: a control character in the logon entry's command %q", ErrInvalid, a)
		}
	}
	return registerOneShot(name, argv)
}

// Remove deletes the entry; one already gone is no error.
func (o *OneShot) Remove() error {
	switch o.Kind {
	case OneShotXDG, OneShotSystemd:
		return removeOneShotFiles(o)
	case OneShotRunOnce:
		return deleteRunOnce(o.Name)
	}
	return fmt.Errorf("%w: unknown one-shot entry kind %q", ErrInvalid, o.Kind)
}

// userConfigHome is $XDG_CONFIG_HOME, or ~/.config when it is unset or
// not absolute (the XDG Base Directory rule).
func userConfigHome() (string, error) {
	if x := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
		return x, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no home directory for the logon entry: %w", err)
	}
	return filepath.Join(home, ".config"), nil
}

// writeOneShotFiles renders tmpl into base/rel through a tree opened on
// base, so a directory on the way swapped for a symlink cannot redirect
// the write; the rename replaces an old entry (or a link in its place)
// rather than writing through it.
func writeOneShotFiles(base, rel, tmpl string, d fileData) error {
	b, err := render(tmpl, d)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(base, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", base, err)
	}
	t, err := openTree(base, -1, -1)
	if err != nil {
		return err
	}
	defer t.close()
	if err := t.mkdirAll(filepath.Dir(rel), 0o755); err != nil {
		return err
	}
	return t.writeFile(rel, b, 0o644)
}

// removeOneShotFiles removes the entry's files through a tree on its base.
func removeOneShotFiles(o *OneShot) error {
	t, err := openTree(o.Base, -1, -1)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer t.close()
	var errs []error
	for _, f := range o.Files {
		rel, err := t.rel(f)
		if err == nil {
			err = t.root.Remove(rel)
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove %s: %w", f, err))
		}
	}
	return errors.Join(errs...)
}
