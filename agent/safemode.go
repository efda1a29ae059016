package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
)

// Safe Mode with networking (B2) is for a Windows jump client in service
// mode, the one agent that starts before anyone logs on. Before the reboot
// the service is registered to start in Safe Mode and the boot entry gets
// the safeboot flag; when the service is back, both are undone so that the
// next reboot is a normal one. bcdedit sets the flag (the documented way;
// the BCD WMI provider does the same with far more code), the registry
// holds the registration.
//
// The sequence is plain Go over a CommandRunner and a SafeBootRegistry, so
// that tests on any system check the exact commands and keys with fakes;
// only safemode_windows.go touches the real ones: its registry part runs
// under Wine (TestSafeBootRegistry), bcdedit exists on real Windows only.

// CommandRunner runs a system tool and returns its combined output.
type CommandRunner func(ctx context.Context, name string, args ...string) ([]byte, error)

// SafeBootRegistry is the part of HKEY_LOCAL_MACHINE Safe Mode needs.
type SafeBootRegistry interface {
	// SetDefault creates HKLM\path if needed and sets its default value.
	SetDefault(path, value string) error
	// DeleteKey deletes HKLM\path; a missing key is no error.
	DeleteKey(path string) error
}

// SafeMode sets and clears Safe Mode with networking for the next boot.
type SafeMode struct {
	// BCDEdit is bcdedit.exe's full path: a service running as
	// LocalSystem does not look tools up in a PATH.
	BCDEdit  string
	Run      CommandRunner
	Registry SafeBootRegistry
}

// SafeBootKey is where a service is registered to start in Safe Mode with
// networking (its default value "Service"), under HKLM.
func SafeBootKey(service string) string {
	return `SYSTEM\CurrentControlSet\Control\SafeBoot\Network\` + service
}

// serviceName keeps a name that is not a plain service name (a backslash
// would name another key) out of the registry path.
var serviceName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,256}$`)

// Set makes the next boot Safe Mode with networking with service started
// in it; what it did is undone when a step fails.
func (m *SafeMode) Set(ctx context.Context, service string) error {
	if !serviceName.MatchString(service) {
		return fmt.Errorf("Safe Mode: %q is not a service name", service)
	}
	key := SafeBootKey(service)
	if err := m.Registry.SetDefault(key, "Service"); err != nil {
		return fmt.Errorf("register %s to start in Safe Mode (HKLM\\%s): %w", service, key, err)
	}
	if out, err := m.Run(ctx, m.BCDEdit, "/set", "{current}", "safeboot", "network"); err != nil {
		m.Registry.DeleteKey(key)
		return fmt.Errorf("bcdedit /set {current} safeboot network: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// Clear makes the next boot normal again and removes the service's Safe
// Mode registration. A flag that is already gone counts as cleared: bcdedit
// fails to delete it, and its listing of {current} no longer has it.
func (m *SafeMode) Clear(ctx context.Context, service string) error {
	if !serviceName.MatchString(service) {
		return fmt.Errorf("Safe Mode: %q is not a service name", service)
	}
	var errs []error
	if out, err := m.Run(ctx, m.BCDEdit, "/deletevalue", "{current}", "safeboot"); err != nil {
		list, lerr := m.Run(ctx, m.BCDEdit, "/enum", "{current}")
		if lerr != nil || bytes.Contains(bytes.ToLower(list), []byte("safeboot")) {
			errs = append(errs, fmt.Errorf("bcdedit /deletevalue {current} safeboot: %w: %s", err, bytes.TrimSpace(out)))
		}
	}
	if err := m.Registry.DeleteKey(SafeBootKey(service)); err != nil {
		errs = append(errs, fmt.Errorf("remove HKLM\\%s: %w", SafeBootKey(service), err))
	}
	return errors.Join(errs...)
}

// execCommand is the real CommandRunner.
func execCommand(ctx context.Context, name string, args ...string) ([]byte, error) {
	return exec.CommandContext(ctx, name, args...).CombinedOutput()
}
