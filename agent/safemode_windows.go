package agent

import (
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// systemSafeMode is Windows' own bcdedit and registry (the registry part
// is tested under Wine; bcdedit only on real Windows, which the tests do
// not reach).
func systemSafeMode() *SafeMode {
	dir, err := windows.GetSystemDirectory()
	if err != nil {
		return nil
	}
	return &SafeMode{BCDEdit: filepath.Join(dir, "bcdedit.exe"), Run: execCommand, Registry: hklm{}}
}

// hklm is the real HKEY_LOCAL_MACHINE.
type hklm struct{}

func (hklm) SetDefault(path, value string) error {
	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, path, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("create key: %w", err)
	}
	defer k.Close()
	return k.SetStringValue("", value)
}

func (hklm) DeleteKey(path string) error {
	if err := registry.DeleteKey(registry.LOCAL_MACHINE, path); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}
