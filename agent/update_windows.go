package agent

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// Windows cannot overwrite or delete a running executable, but it can
// rename it: the running image moves aside to <exe>.old and the new build
// takes its name. The process then exits with updateExitStatus and the
// service's failure action (installer.ServiceConfig: restart after 10 s)
// starts the new build.

func init() {
	// The .old of the previous update is free once its process has exited;
	// remove it at the next start.
	if exe, err := os.Executable(); err == nil {
		os.Remove(exe + ".old")
	}
}

func replaceExecutable(newPath, exe string) error {
	old := exe + ".old"
	os.Remove(old) // normally gone already (init); it may linger if locked
	if err := os.Rename(exe, old); err != nil {
		return fmt.Errorf("move the running executable aside: %w", err)
	}
	if err := os.Rename(newPath, exe); err != nil {
		if rerr := os.Rename(old, exe); rerr != nil {
			return errors.Join(fmt.Errorf("put the new build in place: %w", err), fmt.Errorf("restore the old one: %w", rerr))
		}
		return fmt.Errorf("put the new build in place: %w", err)
	}
	return nil
}

// restartSelf exits for the service manager to start the new build; a
// Windows process cannot replace its own image.
func restartSelf(string) error {
	os.Exit(updateExitStatus)
	return nil
}

// matchOwner: the new file inherits the install dir's ACL, as the old one did.
func matchOwner(string, string) {}

// hideWindow keeps the version probe from flashing a console window for a
// user-mode jump client.
func hideWindow(cmd *exec.Cmd) {
	const createNoWindow = 0x08000000
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true, CreationFlags: createNoWindow}
}
