package winapi

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	procOpenInputDesktop          = user32.NewProc("OpenInputDesktop")
	procSetThreadDesktop          = user32.NewProc("SetThreadDesktop")
	procGetThreadDesktop          = user32.NewProc("GetThreadDesktop")
	procCloseDesktop              = user32.NewProc("CloseDesktop")
	procGetUserObjectInformationW = user32.NewProc("GetUserObjectInformationW")
)

const (
	uoiName = 2 // UOI_NAME
	// desktopAccess is what capture and input need on the input desktop:
	// read (BitBlt, DXGI), write and journal playback (SendInput), create
	// windows and hooks (tests, message-only windows). GENERIC_ALL is what
	// remote-control tools usually ask; only SYSTEM gets it on Winlogon.
	desktopAccess = windows.GENERIC_ALL
)

// DesktopFollower keeps the calling thread attached to the input desktop:
// the one receiving keyboard and mouse input, which is "Default" normally
// and "Winlogon" while the lock screen, a Ctrl+Alt+Del screen or a UAC
// prompt on the secure desktop is shown.
//
// A thread draws from and injects into the desktop it is attached to, so
// without this a capturer running as SYSTEM in the user's session would
// show a frozen image (and inject nowhere) while the secure desktop is up.
// Only SYSTEM may open Winlogon: for an ordinary user Follow fails with
// access denied while it is shown, and the caller keeps its desktop — that
// is the case under Wine and for the interactive support app, where this
// code never switches anything.
//
// Use one DesktopFollower per [Thread]; its methods must run on that
// thread, which must own no windows or hooks (SetThreadDesktop refuses).
type DesktopFollower struct {
	name   string
	opened windows.Handle // desktop we opened and attached to; 0 = the thread's own
}

// Name returns the name of the desktop the thread is attached to, as of the
// last Follow ("" before the first).
func (f *DesktopFollower) Name() string { return f.name }

// Follow attaches the thread to the input desktop if it is not already on
// it, and reports whether it switched.
func (f *DesktopFollower) Follow() (switched bool, err error) {
	if f.name == "" {
		h, _, _ := procGetThreadDesktop.Call(uintptr(windows.GetCurrentThreadId()))
		if h != 0 {
			f.name, _ = desktopName(windows.Handle(h))
		}
	}
	r, _, callErr := procOpenInputDesktop.Call(0, 0, desktopAccess)
	if r == 0 {
		return false, fmt.Errorf("winapi: OpenInputDesktop: %w", callErr)
	}
	h := windows.Handle(r)
	name, err := desktopName(h)
	if err != nil || name == f.name {
		closeDesktop(h)
		return false, err
	}
	if r, _, callErr := procSetThreadDesktop.Call(uintptr(h)); r == 0 {
		closeDesktop(h)
		return false, fmt.Errorf("winapi: SetThreadDesktop(%s): %w", name, callErr)
	}
	// The previous desktop is no longer in use by this thread: close it
	// (never the thread's original one, which we did not open).
	if f.opened != 0 {
		closeDesktop(f.opened)
	}
	f.opened, f.name = h, name
	return true, nil
}

// Close releases the desktop handle Follow opened. The thread stays attached
// to it until it exits, which is why [Thread] never unlocks its OS thread.
func (f *DesktopFollower) Close() {
	if f.opened != 0 {
		closeDesktop(f.opened)
		f.opened = 0
	}
}

func closeDesktop(h windows.Handle) { _, _, _ = procCloseDesktop.Call(uintptr(h)) }

func desktopName(h windows.Handle) (string, error) {
	var buf [256]uint16
	var need uint32
	r, _, err := procGetUserObjectInformationW.Call(uintptr(h), uoiName,
		uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)*2), uintptr(unsafe.Pointer(&need)))
	if r == 0 {
		return "", fmt.Errorf("winapi: GetUserObjectInformation(UOI_NAME): %w", err)
	}
	return windows.UTF16ToString(buf[:]), nil
}

// InputDesktopName returns the name of the desktop receiving input, or an
// error (access denied while the secure desktop is shown to a non-SYSTEM
// caller).
func InputDesktopName() (string, error) {
	r, _, callErr := procOpenInputDesktop.Call(0, 0, windows.GENERIC_READ)
	if r == 0 {
		return "", fmt.Errorf("winapi: OpenInputDesktop: %w", callErr)
	}
	defer closeDesktop(windows.Handle(r))
	return desktopName(windows.Handle(r))
}

// IsLocalSystem reports whether the process token's user is LocalSystem
// (S-1-5-18), the account of the agent's service and of the helper it
// starts in the user's session.
func IsLocalSystem() (bool, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return false, fmt.Errorf("winapi: token user: %w", err)
	}
	return u.User.Sid.IsWellKnown(windows.WinLocalSystemSid), nil
}
