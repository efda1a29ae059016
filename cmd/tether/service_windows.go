package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/installer"
)

const (
	// serviceLogName is the service's log, in its state dir (inside the
	// install dir, where only SYSTEM and Administrators may read it).
	serviceLogName = "service.log"
	// maxServiceLog is when the log is rotated (one old copy is kept).
	maxServiceLog = 8 << 20
	// stopGrace is how long Stop waits for the agent to close its
	// connections before the service reports stopped anyway.
	stopGrace = 15 * time.Second
)

// runJumpClient runs the jump client; as a Windows service (started by
// the SCM with installer.WindowsServiceFlag, or detected) it talks to the
// service control manager: without StartServiceCtrlDispatcher the SCM
// kills the process after about 10 s (NOTES).
func runJumpClient(ctx context.Context, o agent.JumpOptions, underSCM bool) error {
	if !underSCM {
		underSCM, _ = svc.IsWindowsService()
	}
	if !underSCM {
		return agent.RunJumpClient(ctx, o)
	}
	name := "tether"
	if rec, err := installer.ReadRecord(filepath.Dir(o.Executable)); err == nil {
		name = rec.ServiceName
	}
	state := o.StateDir
	if state == "" {
		state = filepath.Join(filepath.Dir(o.Executable), "state")
	}
	logFile, err := openServiceLog(filepath.Join(state, serviceLogName))
	if err == nil {
		defer logFile.Close()
		o.Logger = slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo}))
		slog.SetDefault(o.Logger)
	}
	h := &scmHandler{name: name, log: o.Logger, run: func(ctx context.Context) error { return agent.RunJumpClient(ctx, o) }}
	// Event Log entries are a courtesy for admins; the file is the log.
	if el, err := eventlog.Open(name); err == nil {
		defer el.Close()
		h.events = el
	}
	if err := svc.Run(name, h); err != nil {
		if errors.Is(err, windows.ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
			// Started by hand with the flag: run in the foreground.
			return agent.RunJumpClient(ctx, o)
		}
		return fmt.Errorf("run as the Windows service %s: %w", name, err)
	}
	return h.result()
}

// openServiceLog opens the log for appending, keeping one old copy once
// it grows past maxServiceLog.
func openServiceLog(path string) (*os.File, error) {
	if st, err := os.Stat(path); err == nil && st.Size() > maxServiceLog {
		_ = os.Rename(path, path+".1")
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
}

// scmHandler is the service's control handler: it runs the jump client
// and answers Stop and Shutdown by cancelling its context.
type scmHandler struct {
	name   string
	log    *slog.Logger
	events *eventlog.Log
	run    func(ctx context.Context) error

	mu  sync.Mutex
	err error
}

func (h *scmHandler) result() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

func (h *scmHandler) event(kind string, msg string) {
	if h.events == nil {
		return
	}
	switch kind {
	case "error":
		_ = h.events.Error(1, msg)
	default:
		_ = h.events.Info(1, msg)
	}
}

// Execute is called by svc.Run on the service's own goroutine.
func (h *scmHandler) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.run(ctx) }()
	const accepts = svc.AcceptStop | svc.AcceptShutdown
	status <- svc.Status{State: svc.Running, Accepts: accepts}
	h.log.Info("service running", "service", h.name, "pid", os.Getpid())
	h.event("info", "Tether jump client service started.")
	for {
		select {
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				status <- c.CurrentStatus
			case svc.Stop, svc.Shutdown:
				h.log.Info("service stopping", "service", h.name, "request", c.Cmd)
				status <- svc.Status{State: svc.StopPending, WaitHint: uint32(stopGrace / time.Millisecond)}
				cancel()
				select {
				case <-done:
				case <-time.After(stopGrace):
					h.log.Warn("the jump client did not stop in time", "grace", stopGrace)
				}
				h.event("info", "Tether jump client service stopped.")
				return false, 0
			default:
				h.log.Warn("unexpected service control request", "cmd", c.Cmd)
			}
		case err := <-done:
			if err != nil {
				h.mu.Lock()
				h.err = err
				h.mu.Unlock()
				h.log.Error("jump client ended", "err", err)
				h.event("error", "Tether jump client stopped: "+err.Error())
				// A service-specific exit code tells the SCM it failed.
				return true, 1
			}
			h.log.Info("jump client ended")
			return false, 0
		}
	}
}
