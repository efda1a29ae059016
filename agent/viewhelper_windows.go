package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	kernel32                         = windows.NewLazySystemDLL("kernel32.dll")
	procWTSGetActiveConsoleSessionID = kernel32.NewProc("WTSGetActiveConsoleSessionId")
)

// noSession is what WTSGetActiveConsoleSessionId returns while no session
// is attached to the console (a session switch in progress).
const noSession = 0xFFFFFFFF

// inServiceSession reports whether this process runs in session 0, where
// services run and nothing is on screen.
func inServiceSession() bool {
	var id uint32
	if err := windows.ProcessIdToSessionId(windows.GetCurrentProcessId(), &id); err != nil {
		return false
	}
	return id == 0
}

// serveViewInSession serves a view from a service: it starts `exe service
// view-helper` in the active console session as SYSTEM (the service's own
// token, moved to that session), so the helper can reach the user's
// desktop and also the Winlogon desktop (logon screen, lock screen, UAC
// prompts) — as a user's token could not. The helper follows the input
// desktop itself (capture and input switch with OpenInputDesktop). A logon,
// logoff or user switch is followed at the next view: each view starts a
// helper in the session that owns the console then.
func serveViewInSession(ctx context.Context, exe string, job ViewHelperJob) error {
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
	pi, err := startInSession(tok, exe, stdinR)
	stdinR.Close()
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
	exited := make(chan struct{})
	go func() { proc.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-ctx.Done():
		proc.Kill()
		<-exited
	}
	return nil
}

// startInSession starts `exe service view-helper` with token on the
// interactive window station's default desktop, its stdin from stdin.
func startInSession(tok windows.Token, exe string, stdin *os.File) (*windows.ProcessInformation, error) {
	cmdline, err := windows.UTF16PtrFromString(windows.EscapeArg(exe) + " service view-helper")
	if err != nil {
		return nil, err
	}
	desktop, _ := windows.UTF16PtrFromString(`winsta0\default`)
	in := windows.Handle(stdin.Fd())
	if err := windows.SetHandleInformation(in, windows.HANDLE_FLAG_INHERIT, windows.HANDLE_FLAG_INHERIT); err != nil {
		return nil, err
	}
	si := &windows.StartupInfo{Cb: uint32(unsafe.Sizeof(windows.StartupInfo{})), Desktop: desktop,
		Flags: windows.STARTF_USESTDHANDLES, StdInput: in}
	var pi windows.ProcessInformation
	var env *uint16
	if err := windows.CreateProcessAsUser(tok, nil, cmdline, nil, nil, true,
		windows.CREATE_NO_WINDOW|windows.CREATE_UNICODE_ENVIRONMENT, env, nil, si, &pi); err != nil {
		return nil, fmt.Errorf("start the view helper in the console session: %w", err)
	}
	return &pi, nil
}

// sessionViewHelper is how a jump client running as a service (session 0)
// serves views: a helper in the console session; nil elsewhere.
func sessionViewHelper(exe string) func(context.Context, ViewHelperJob) error {
	if !inServiceSession() {
		return nil
	}
	return func(ctx context.Context, job ViewHelperJob) error { return serveViewInSession(ctx, exe, job) }
}
