package installer

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// Access of a service-mode install (SPEC C1): the service runs as
// LocalSystem from DIR\tether.exe, so whoever can write DIR can run code
// as SYSTEM. An --install-dir such as C:\tether inherits C:\'s ACL, which
// lets every authenticated user create and change files there, so the
// install dir gets its own protected DACL (inheritance from the parent cut
// off): full control for SYSTEM and Administrators, read and execute for
// Users. The state dir holds the jump client's identity key and gets no
// Users entry at all.
const (
	// FA = file all access; 0x1200a9 = read, execute, read attributes/EA,
	// synchronize. OICI: inherited by files and subfolders; P: protected.
	sddlServiceDir   = "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)"
	sddlServiceState = "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
)

// secureServiceDirs applies the service-mode DACLs to DIR and its state
// dir, before anything is written into them, so every file inherits them.
func secureServiceDirs(dir, state string) error {
	if err := setDACL(dir, sddlServiceDir); err != nil {
		return err
	}
	return setDACL(state, sddlServiceState)
}

func setDACL(path, sddl string) error {
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return fmt.Errorf("security descriptor %s: %w", sddl, err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("security descriptor %s: %w", sddl, err)
	}
	err = windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
	if err != nil {
		return fmt.Errorf("restrict access to %s: %w", path, err)
	}
	return nil
}

// DACLString returns the DACL of path in SDDL (for tests and diagnostics).
func DACLString(path string) (string, error) {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return "", fmt.Errorf("read access of %s: %w", path, err)
	}
	return sd.String(), nil
}
