//go:build !windows

package agent

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// replaceExecutable renames the new build over the running executable: the
// running process keeps its (now unlinked) image, the path names the new
// build atomically, and the directory is synced so the rename survives a
// crash.
func replaceExecutable(newPath, exe string) error {
	if err := os.Rename(newPath, exe); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(exe)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// restartSelf execs the new build in this process with the same arguments
// and environment: the PID stays, so the init-script's pidfile, systemd and
// launchd keep tracking the jump client. If exec fails, the process exits
// for the service manager to start the new build.
func restartSelf(exe string) error {
	err := syscall.Exec(exe, os.Args, os.Environ())
	slog.Error("update: restart into the new build failed; exiting so the service manager starts it", "exe", exe, "err", err)
	os.Exit(updateExitStatus)
	return fmt.Errorf("restart %s: %w", exe, err)
}

// matchOwner gives the new file the installed one's owner: a service
// running as root must not leave a root-owned binary in a user's install
// dir (C3 --user). Only root can chown; for others they already match.
func matchOwner(path, like string) {
	st, err := os.Stat(like)
	if err != nil {
		return
	}
	if s, ok := st.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
		os.Chown(path, int(s.Uid), int(s.Gid))
	}
}

func hideWindow(*exec.Cmd) {}
