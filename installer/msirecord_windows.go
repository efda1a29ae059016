package installer

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// The MSI's custom action remembers which jump client a package installed,
// so that `msiexec /x` removes that one: under HKLM for the LocalSystem
// action (service mode), under the user's HKCU for the user's (user mode),
// keyed by the package's ProductCode. The agent writes and deletes it; the
// MSI's own tables know nothing of it, so a failed uninstall leaves no
// half-removed registration behind.
const msiRecordKey = `SOFTWARE\Tether\MSI\`

func msiRoot(as string) registry.Key {
	if as == MSIAsUser {
		return registry.CURRENT_USER
	}
	return registry.LOCAL_MACHINE
}

// SaveMSIInstall records dir as the jump client the package product
// installed, for the action run as as.
func SaveMSIInstall(as, product, dir string) error {
	k, _, err := registry.CreateKey(msiRoot(as), msiRecordKey+product, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("record the MSI install: %w", err)
	}
	defer k.Close()
	if err := k.SetStringValue("InstallDir", dir); err != nil {
		return fmt.Errorf("record the MSI install: %w", err)
	}
	return nil
}

// LoadMSIInstall returns the dir SaveMSIInstall recorded ("" when none).
func LoadMSIInstall(as, product string) (string, error) {
	k, err := registry.OpenKey(msiRoot(as), msiRecordKey+product, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the MSI install record: %w", err)
	}
	defer k.Close()
	dir, _, err := k.GetStringValue("InstallDir")
	if errors.Is(err, registry.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the MSI install record: %w", err)
	}
	return dir, nil
}

// ForgetMSIInstall deletes the record (and the Tether\MSI keys once empty).
func ForgetMSIInstall(as, product string) error {
	root := msiRoot(as)
	if err := registry.DeleteKey(root, msiRecordKey+product); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("delete the MSI install record: %w", err)
	}
	// Parents only go when empty: DeleteKey fails on a key with subkeys.
	_ = registry.DeleteKey(root, `SOFTWARE\Tether\MSI`)
	_ = registry.DeleteKey(root, `SOFTWARE\Tether`)
	return nil
}
