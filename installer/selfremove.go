package installer

import (
	"fmt"
	"os/exec"
	"path/filepath"
)

// UninstallDetached hands the removal of the jump client installed as rec
// to a process of its own: `<binary> uninstall --install-dir DIR`. A
// Windows jump client that the site removed (C8) cannot uninstall itself
// from inside: as a service, stopping the service waits for the very
// process asking, and a user-mode client would terminate itself half way.
// The detached uninstaller stops the running client first (the SCM and
// child processes do not take it down with the service), then removes it;
// the install dir goes once it has exited (removeLater).
func UninstallDetached(rec *Record) error {
	args := []string{"uninstall", "--install-dir", rec.Dir}
	if rec.StateDirPath != "" {
		args = append(args, "--state-dir", rec.StateDirPath)
	}
	cmd := exec.Command(rec.BinaryPath(), args...)
	// Not inside the install dir: a process working there keeps it.
	cmd.Dir = filepath.Dir(rec.Dir)
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the uninstaller: %w", err)
	}
	return cmd.Process.Release()
}
