package installer

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// runOnceKeyPath is the current user's RunOnce key: Explorer runs each
// value once at the user's next logon and deletes it before running it.
// RunOnce rather than a scheduled task: it needs no rights beyond the
// user's own, runs in the user's desktop session (the customer window and
// the screen capture need it) and disappears by itself; the app still
// deletes the value when it has rejoined, for the case it was started by
// hand before the logon ran it.
const runOnceKeyPath = `Software\Microsoft\Windows\CurrentVersion\RunOnce`

// maxRunOnceCommand is the longest command line RunOnce runs (MAX_PATH).
const maxRunOnceCommand = 260

func registerOneShot(name string, argv []string) (*OneShot, error) {
	cmdline := windowsCommandLine(argv)
	if len([]rune(cmdline)) >= maxRunOnceCommand {
		return nil, fmt.Errorf("%w: the command line to rejoin after the restart is %d characters; RunOnce runs at most %d (move the support app to a shorter path)",
			ErrInvalid, len([]rune(cmdline)), maxRunOnceCommand-1)
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runOnceKeyPath, registry.SET_VALUE)
	if err != nil {
		return nil, fmt.Errorf("open HKCU\\%s: %w", runOnceKeyPath, err)
	}
	defer k.Close()
	if err := k.SetStringValue(name, cmdline); err != nil {
		return nil, fmt.Errorf("set RunOnce value %s: %w", name, err)
	}
	return &OneShot{Name: name, Kind: OneShotRunOnce, Files: []string{`HKCU\` + runOnceKeyPath + `\` + name}}, nil
}

func deleteRunOnce(name string) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runOnceKeyPath, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open HKCU\\%s: %w", runOnceKeyPath, err)
	}
	defer k.Close()
	if err := k.DeleteValue(name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("delete RunOnce value %s: %w", name, err)
	}
	return nil
}
