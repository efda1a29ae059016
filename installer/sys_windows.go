package installer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

const runKeyPath = `Software\Microsoft\Windows\CurrentVersion\Run`

// detach starts the agent without a console and outside the caller's
// process group so closing the caller does not end it.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{
		CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS,
		HideWindow:    true,
	}
}

// runAs: Windows user mode always runs as the logged-in user itself.
func runAs(*exec.Cmd, *user.User) error { return nil }

// processRunning reports whether pid is alive and runs the agent binary,
// so a recycled pid does not count.
func processRunning(pid int, binary string) bool {
	if pid <= 0 {
		return false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil || code != 259 { // STILL_ACTIVE
		return false
	}
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n := uint32(len(buf))
	if err := windows.QueryFullProcessImageName(h, 0, &buf[0], &n); err != nil {
		return false
	}
	return strings.EqualFold(filepath.Clean(windows.UTF16ToString(buf[:n])), filepath.Clean(binary))
}

// terminate ends the agent. Windows has no SIGTERM for a process without a
// console, so both modes terminate it.
func terminate(pid int, _ bool) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return fmt.Errorf("find pid %d: %w", pid, err)
	}
	defer p.Release()
	if err := p.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("terminate pid %d: %w", pid, err)
	}
	return nil
}

// removeLater deletes dir after this process has exited: Windows keeps a
// running exe locked, and `tether uninstall` runs from inside dir.
func removeLater(dir string) error {
	if _, err := os.Stat(dir); err != nil {
		return err
	}
	cmd := exec.Command("cmd.exe")
	// cmd.exe does not understand Go's \" escaping: the command line is
	// written out (cmd /C strips the outer quotes).
	// A cmd.exe whose working dir is dir would keep dir from going.
	cmd.Dir = filepath.Dir(dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		CmdLine:       `cmd.exe /C "ping -n 4 127.0.0.1 >NUL & rmdir /S /Q "` + dir + `""`,
		CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS,
		HideWindow:    true,
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("schedule removal of %s: %w", dir, err)
	}
	return cmd.Process.Release()
}

// setRunKey registers the user-mode jump client in HKCU\…\Run (SPEC C1).
func setRunKey(name, cmdline string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKeyPath, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("open HKCU\\%s: %w", runKeyPath, err)
	}
	defer k.Close()
	if err := k.SetStringValue(name, cmdline); err != nil {
		return fmt.Errorf("set Run value %s: %w", name, err)
	}
	return nil
}

func deleteRunKey(name string) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKeyPath, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("open HKCU\\%s: %w", runKeyPath, err)
	}
	defer k.Close()
	if err := k.DeleteValue(name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("delete Run value %s: %w", name, err)
	}
	return nil
}

// checkReachable: --user does not exist on Windows.
func checkReachable(string, int, int) error { return nil }
