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
func removeLater(dir string) error { return DeleteAfterExit(dir) }

// DeleteAfterExit deletes path (a file, or a directory with everything in
// it) a few seconds after this process has exited: a running .exe cannot
// delete itself. A detached cmd.exe waits and deletes.
//
// The command line is written by hand (SysProcAttr.CmdLine): Go quotes
// arguments for CommandLineToArgvW (\"), which cmd.exe does not
// understand. With /S, cmd removes the outer quotes and keeps the rest
// verbatim, so the path stays one quoted word whatever spaces, & or
// parentheses it holds.
func DeleteAfterExit(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if strings.ContainsAny(path, `"%`) || !filepath.IsAbs(path) {
		return fmt.Errorf("%w: cannot hand %q to cmd.exe safely", ErrInvalid, path)
	}
	del := `del /F /Q "` + path + `"`
	if fi.IsDir() {
		del = `rmdir /S /Q "` + path + `"`
	}
	cmdExe := filepath.Join(os.Getenv("SystemRoot"), "System32", "cmd.exe")
	if os.Getenv("SystemRoot") == "" {
		cmdExe = "cmd.exe"
	}
	cmd := exec.Command(cmdExe)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		CmdLine:       `"` + cmdExe + `" /D /S /C "ping -n 4 127.0.0.1 >NUL & ` + del + `"`,
		CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS,
		HideWindow:    true,
	}
	cmd.Dir = os.TempDir() // a cmd.exe inside the dir keeps it from being removed
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("schedule removal of %s: %w", path, err)
	}
	return cmd.Process.Release()
}

// setRunKey registers the user-mode jump client in HKCU\…\Run (SPEC C1).
func setRunKey(name, cmdline string) error { return setUserValue(runKeyPath, name, cmdline) }

func deleteRunKey(name string) error { return deleteUserValue(runKeyPath, name) }

// setUserValue sets a string value under HKCU\key, creating the key.
func setUserValue(key, name, value string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, key, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("open HKCU\\%s: %w", key, err)
	}
	defer k.Close()
	if err := k.SetStringValue(name, value); err != nil {
		return fmt.Errorf("set HKCU\\%s\\%s: %w", key, name, err)
	}
	return nil
}

// deleteUserValue removes a value under HKCU\key; a missing key or value
// is no error.
func deleteUserValue(key, name string) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, key, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open HKCU\\%s: %w", key, err)
	}
	defer k.Close()
	if err := k.DeleteValue(name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("delete HKCU\\%s\\%s: %w", key, name, err)
	}
	return nil
}

// checkReachable: --user does not exist on Windows.
func checkReachable(string, int, int) error { return nil }
