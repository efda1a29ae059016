//go:build !windows

package installer

import "errors"

var errMSIWindows = errors.New("MSI installs exist only on Windows")

// SaveMSIInstall: MSI packages are Windows-only (msirecord_windows.go).
func SaveMSIInstall(as, product, dir string) error { return errMSIWindows }

// LoadMSIInstall: MSI packages are Windows-only.
func LoadMSIInstall(as, product string) (string, error) { return "", errMSIWindows }

// ForgetMSIInstall: MSI packages are Windows-only.
func ForgetMSIInstall(as, product string) error { return errMSIWindows }
