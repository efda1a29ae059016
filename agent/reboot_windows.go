package agent

import (
	"context"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
)

// rebootOS restarts Windows with InitiateSystemShutdownEx after enabling
// SeShutdownPrivilege in this process's token (every user holds it,
// disabled; LocalSystem too). A service forces applications closed —
// nobody is there to answer "this app is preventing restart"; the support
// app does not, so the customer's unsaved work can still ask.
//
// Only compiled on the Linux machines Tether is built on: it has not run
// on a real Windows here (Wine cannot restart).
func rebootOS(ctx context.Context) error {
	if err := enableShutdownPrivilege(); err != nil {
		return err
	}
	service, _ := svc.IsWindowsService()
	msg, _ := windows.UTF16PtrFromString("Tether: your technician restarts this computer.")
	reason := uint32(windows.SHTDN_REASON_MAJOR_OTHER | windows.SHTDN_REASON_MINOR_MAINTENANCE | windows.SHTDN_REASON_FLAG_PLANNED)
	if err := windows.InitiateSystemShutdownEx(nil, msg, 0, service, true, reason); err != nil {
		return fmt.Errorf("InitiateSystemShutdownEx: %w", err)
	}
	return nil
}

func enableShutdownPrivilege() error {
	var tok windows.Token
	if err := windows.OpenProcessToken(windows.CurrentProcess(), windows.TOKEN_ADJUST_PRIVILEGES|windows.TOKEN_QUERY, &tok); err != nil {
		return fmt.Errorf("open process token: %w", err)
	}
	defer tok.Close()
	var luid windows.LUID
	name, _ := windows.UTF16PtrFromString("SeShutdownPrivilege")
	if err := windows.LookupPrivilegeValue(nil, name, &luid); err != nil {
		return fmt.Errorf("look up SeShutdownPrivilege: %w", err)
	}
	tp := windows.Tokenprivileges{PrivilegeCount: 1}
	tp.Privileges[0] = windows.LUIDAndAttributes{Luid: luid, Attributes: windows.SE_PRIVILEGE_ENABLED}
	// A token without the privilege "succeeds" here (ERROR_NOT_ALL_ASSIGNED
	// in the thread's last error); InitiateSystemShutdownEx then fails
	// with ERROR_PRIVILEGE_NOT_HELD, which is reported instead.
	if err := windows.AdjustTokenPrivileges(tok, false, &tp, uint32(unsafe.Sizeof(tp)), nil, nil); err != nil {
		return fmt.Errorf("enable SeShutdownPrivilege: %w", err)
	}
	return nil
}
