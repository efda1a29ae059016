package agent

import "github.com/tetherhq/tether/installer"

// SetUninstallDetached replaces how a Windows jump client hands its
// uninstall to a detached process, until restore is called.
func SetUninstallDetached(f func(*installer.Record) error) (restore func()) {
	old := uninstallDetached
	uninstallDetached = f
	return func() { uninstallDetached = old }
}
