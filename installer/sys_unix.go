//go:build !windows

package installer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// detach puts the agent in its own session so it outlives the process
// that started it and the terminal that process ran in.
func detach(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setsid = true
}

// runAs makes cmd run as u (root controlling another user's jump client).
// Supplementary groups are dropped: the agent needs only its own files.
func runAs(cmd *exec.Cmd, u *user.User) error {
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("user %s has a non-numeric uid/gid %s/%s", u.Username, u.Uid, u.Gid)
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	cmd.Env = append(os.Environ(), "HOME="+u.HomeDir, "USER="+u.Username, "LOGNAME="+u.Username)
	return nil
}

// processRunning reports whether pid is the agent binary. With /proc it
// compares the command line, as the init-script does, so a recycled pid
// (or a zombie, whose cmdline is empty) does not count.
func processRunning(pid int, binary string) bool {
	if pid <= 0 {
		return false
	}
	if _, err := os.Stat("/proc/self"); err == nil {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		return err == nil && slices.Contains(strings.Split(string(b), "\x00"), binary)
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// terminate asks the agent to exit (SIGTERM) or, with force, kills it.
func terminate(pid int, force bool) error {
	sig := syscall.SIGTERM
	if force {
		sig = syscall.SIGKILL
	}
	if err := syscall.Kill(pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal pid %d: %w", pid, err)
	}
	return nil
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

// DeleteAfterExit exists for Windows (a running exe cannot delete itself);
// on Unix a file is simply removed.
func DeleteAfterExit(path string) error { return os.RemoveAll(path) }
