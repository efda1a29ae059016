//go:build !windows

package installer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// startDetached starts the agent in its own session so it outlives the
// installer and the terminal it ran in.
func startDetached(dir string, argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", argv[0], err)
	}
	return cmd.Process.Release()
}

// removeLater exists for Windows, where a running exe cannot be deleted;
// on Unix a failed RemoveAll is a real error.
func removeLater(string) error { return errors.ErrUnsupported }

func setRunKey(string, string) error {
	return fmt.Errorf("%w: the Run key exists only on Windows", errors.ErrUnsupported)
}

func deleteRunKey(string) error { return nil }

// checkReachable reports the first ancestor of dir that uid/gid cannot
// search: root can create DIR under /root for --user u, but u could then
// never start the agent. Supplementary groups are ignored (conservative).
func checkReachable(dir string, uid, gid int) error {
	for p := dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("stat %s: %w", p, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		m := fi.Mode().Perm()
		var can bool
		switch {
		case int(st.Uid) == uid:
			can = m&0o100 != 0
		case int(st.Gid) == gid:
			can = m&0o010 != 0
		default:
			can = m&0o001 != 0
		}
		if !can {
			return fmt.Errorf("%s (mode %v) is not searchable", p, m)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}
