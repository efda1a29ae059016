package installer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

const runKeyPath = `Software\Microsoft\Windows\CurrentVersion\Run`

// startDetached starts the agent without a console and outside the
// installer's process group so closing the installer does not end it.
func startDetached(dir string, argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{
		CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS,
		HideWindow:    true,
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", argv[0], err)
	}
	return cmd.Process.Release()
}

// removeLater deletes dir after this process has exited: Windows keeps a
// running exe locked, and `tether uninstall` runs from inside dir.
func removeLater(dir string) error {
	if _, err := os.Stat(dir); err != nil {
		return err
	}
	cmd := exec.Command("cmd.exe", "/C", "ping -n 4 127.0.0.1 >NUL & rmdir /S /Q \""+dir+"\"")
	cmd.SysProcAttr = &syscall.SysProcAttr{
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
