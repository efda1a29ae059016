package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tetherhq/tether/input"
	"log/slog"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	kernel32                         = windows.NewLazySystemDLL("kernel32.dll")
	procWTSGetActiveConsoleSessionID = kernel32.NewProc("WTSGetActiveConsoleSessionId")
	user32                           = windows.NewLazySystemDLL("user32.dll")
	procGetProcessWindowStation      = user32.NewProc("GetProcessWindowStation")
	procGetUserObjectInformation     = user32.NewProc("GetUserObjectInformationW")
	procOpenWindowStation            = user32.NewProc("OpenWindowStationW")
	procSetProcessWindowStation      = user32.NewProc("SetProcessWindowStation")
)

const (
	uoiFlags   = 1 // GetUserObjectInformation: USEROBJECTFLAGS
	wsfVisible = 1 // USEROBJECTFLAGS.dwFlags: the window station is interactive
)

// noSession is what WTSGetActiveConsoleSessionId returns while no session
// is attached to the console (a session switch in progress).
const noSession = 0xFFFFFFFF

// inServiceSession reports whether this process runs where services run
// and nothing is on screen: session 0, or any non-interactive window
// station (Wine runs services in the user's session but on their own
// invisible window station, where BitBlt of the screen fails).
func inServiceSession() bool {
	var id uint32
	if err := windows.ProcessIdToSessionId(windows.GetCurrentProcessId(), &id); err == nil && id == 0 {
		return true
	}
	return !interactiveWindowStation()
}

// interactiveWindowStation reports whether this process's window station
// is visible (WinSta0); true when it cannot tell.
func interactiveWindowStation() bool {
	ws, _, _ := procGetProcessWindowStation.Call()
	if ws == 0 {
		return true
	}
	var flags struct {
		inherit, reserved int32
		flags             uint32
	}
	var need uint32
	ok, _, _ := procGetUserObjectInformation.Call(ws, uoiFlags, uintptr(unsafe.Pointer(&flags)),
		unsafe.Sizeof(flags), uintptr(unsafe.Pointer(&need)))
	if ok == 0 {
		return true
	}
	return flags.flags&wsfVisible != 0
}

// serveViewInSession serves a view from a service: it starts `exe service
// view-helper` in the active console session as SYSTEM (the service's own
// token, moved to that session), so the helper can reach the user's
// desktop and also the Winlogon desktop (logon screen, lock screen, UAC
// prompts) — as a user's token could not. The helper follows the input
// desktop itself (capture and input switch with OpenInputDesktop). A logon,
// logoff or user switch is followed at the next view: each view starts a
// helper in the session that owns the console then.
func serveViewInSession(ctx context.Context, exe, logPath string, job ViewHelperJob) error {
	return withHelperRetries(ctx, func() error { return runHelperInSession(ctx, exe, logPath, job) })
}

// runHelperInSession starts one helper in the console session and waits
// for it; its exit status HelperNoDisplayExit becomes ErrHelperNoDisplay.
func runHelperInSession(ctx context.Context, exe, logPath string, job ViewHelperJob) error {
	r, _, _ := procWTSGetActiveConsoleSessionID.Call()
	session := uint32(r)
	if session == noSession {
		return errors.New("no session is attached to the console")
	}
	var self windows.Token
	if err := windows.OpenProcessToken(windows.CurrentProcess(), windows.TOKEN_ALL_ACCESS, &self); err != nil {
		return fmt.Errorf("open own token: %w", err)
	}
	defer self.Close()
	var tok windows.Token
	if err := windows.DuplicateTokenEx(self, windows.MAXIMUM_ALLOWED, nil, windows.SecurityImpersonation,
		windows.TokenPrimary, &tok); err != nil {
		return fmt.Errorf("duplicate own token: %w", err)
	}
	defer tok.Close()
	// Needs SeTcbPrivilege, which LocalSystem holds.
	if err := windows.SetTokenInformation(tok, windows.TokenSessionId, (*byte)(unsafe.Pointer(&session)),
		uint32(unsafe.Sizeof(session))); err != nil {
		return fmt.Errorf("move the token to session %d: %w", session, err)
	}
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer stdinW.Close()
	// The helper's output goes to its own log (append; truncated past 1 MB).
	if fi, err := os.Stat(logPath); err == nil && fi.Size() > 1<<20 {
		os.Truncate(logPath, 0)
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		logFile = nil
	}
	// Ctrl+Alt+Del from the viewer reaches the helper, which may not raise
	// it; the service does, when the helper sets this event.
	if sas, err := newSASRelay(func() error { return input.SendSecureAttention(slog.Default()) }, slog.Default()); err == nil {
		defer sas.Close()
		job.SASEvent = sas.Handle()
	}
	pi, err := startInSession(tok, exe, stdinR, logFile)
	stdinR.Close()
	if logFile != nil {
		logFile.Close()
	}
	if err != nil {
		return err
	}
	proc, err := os.FindProcess(int(pi.ProcessId))
	windows.CloseHandle(pi.Thread)
	windows.CloseHandle(pi.Process)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(stdinW).Encode(job); err != nil {
		proc.Kill()
		return fmt.Errorf("hand the view to the helper: %w", err)
	}
	stdinW.Close()
	exited := make(chan *os.ProcessState, 1)
	go func() { st, _ := proc.Wait(); exited <- st }()
	select {
	case st := <-exited:
		if st != nil && st.ExitCode() == HelperNoDisplayExit {
			return ErrHelperNoDisplay
		}
	case <-ctx.Done():
		proc.Kill()
		<-exited
	}
	return nil
}

// startInSession starts `exe service view-helper` with token on the
// interactive window station's default desktop, its stdin from stdin.
func startInSession(tok windows.Token, exe string, stdin, out *os.File) (*windows.ProcessInformation, error) {
	cmdline, err := windows.UTF16PtrFromString(windows.EscapeArg(exe) + " service view-helper")
	if err != nil {
		return nil, err
	}
	desktop, _ := windows.UTF16PtrFromString(`WinSta0\Default`)
	in := windows.Handle(stdin.Fd())
	if err := windows.SetHandleInformation(in, windows.HANDLE_FLAG_INHERIT, windows.HANDLE_FLAG_INHERIT); err != nil {
		return nil, err
	}
	si := &windows.StartupInfo{Cb: uint32(unsafe.Sizeof(windows.StartupInfo{})), Desktop: desktop,
		Flags: windows.STARTF_USESTDHANDLES, StdInput: in}
	if out != nil {
		h := windows.Handle(out.Fd())
		if windows.SetHandleInformation(h, windows.HANDLE_FLAG_INHERIT, windows.HANDLE_FLAG_INHERIT) == nil {
			si.StdOutput, si.StdErr = h, h
		}
	}
	var pi windows.ProcessInformation
	var env *uint16
	if err := windows.CreateProcessAsUser(tok, nil, cmdline, nil, nil, true,
		windows.CREATE_NO_WINDOW|windows.CREATE_UNICODE_ENVIRONMENT, env, nil, si, &pi); err != nil {
		return nil, fmt.Errorf("start the view helper in the console session: %w", err)
	}
	return &pi, nil
}

// apartFromDesktop reports whether this process runs apart from the
// user's desktop (a service in session 0): its clipboard, for one, is
// not the user's.
func apartFromDesktop() bool { return inServiceSession() }

// sessionViewHelper is how a jump client running as a service (session 0)
// serves views: a helper in the console session; nil elsewhere.
func sessionViewHelper(exe, logPath string) func(context.Context, ViewHelperJob) error {
	if !inServiceSession() {
		return nil
	}
	return func(ctx context.Context, job ViewHelperJob) error { return serveViewInSession(ctx, exe, logPath, job) }
}

// joinInteractiveStation moves the view helper onto WinSta0, the window
// station with the screen, if it did not start there: Windows honours the
// helper's STARTUPINFO desktop, but Wine can start it on the service's
// invisible station, where every BitBlt of the screen fails.
func joinInteractiveStation() error {
	if interactiveWindowStation() {
		return nil
	}
	name, _ := windows.UTF16PtrFromString("WinSta0")
	ws, _, err := procOpenWindowStation.Call(uintptr(unsafe.Pointer(name)), 0, windows.MAXIMUM_ALLOWED)
	if ws == 0 {
		return fmt.Errorf("open WinSta0: %w", err)
	}
	if ok, _, err := procSetProcessWindowStation.Call(ws); ok == 0 {
		return fmt.Errorf("use WinSta0: %w", err)
	}
	return nil
}
