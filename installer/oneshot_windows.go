package installer

import "fmt"

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
	if err := setUserValue(runOnceKeyPath, name, cmdline); err != nil {
		return nil, err
	}
	return &OneShot{Name: name, Kind: OneShotRunOnce, Files: []string{`HKCU\` + runOnceKeyPath + `\` + name}}, nil
}

func deleteRunOnce(name string) error { return deleteUserValue(runOnceKeyPath, name) }
