package installer

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/kardianos/service"
)

// ServiceConfig is the kardianos/service configuration of an installed jump
// client. The agent's `tether service run|start|stop|restart|status` must
// build its service.Service from this same config (via ReadRecord on its
// own install dir) so it addresses the service that Install registered.
func ServiceConfig(rec *Record) *service.Config {
	return serviceConfig(rec, runtime.GOOS)
}

// serviceConfig is ServiceConfig for goos, so the per-platform differences
// can be golden-tested on any machine.
func serviceConfig(rec *Record, goos string) *service.Config {
	c := &service.Config{
		Name:             rec.ServiceName,
		DisplayName:      "Tether jump client " + rec.ID,
		Description:      "Tether remote support jump client installed in " + rec.Dir,
		Executable:       rec.BinaryPath(),
		Arguments:        AgentCommand(rec.BinaryPath(), rec.StateDir())[1:],
		WorkingDirectory: rec.Dir,
		Option: service.KeyValue{
			// launchd daemon: start at boot and restart when it exits.
			"RunAtLoad": true,
			"KeepAlive": true,
			// systemd: restart whatever the exit status (RestartSec is 120 s
			// in the library's unit).
			"Restart": "always",
			// Windows: restart on failure, after 10 s, forgetting failures
			// after a day. Delayed start (which keeps boot fast) is set
			// after the service exists (setDelayedStart), because
			// kardianos deletes the new service when it cannot be set,
			// and Wine cannot.
			"OnFailure":              "restart",
			"OnFailureDelayDuration": "10s",
			"OnFailureResetPeriod":   86400,
			"StartType":              "automatic",
		},
	}
	if goos == "windows" {
		// The service control manager starts the agent with these
		// arguments; the flag makes it talk to the SCM (StartServiceCtrl-
		// Dispatcher) even where svc.IsWindowsService cannot tell (Wine).
		c.Arguments = append(c.Arguments, WindowsServiceFlag)
	}
	if goos == "linux" {
		// systemd unit lines: wait for the network. Only on Linux: the
		// Windows backend passes Dependencies to CreateService as names of
		// services, and a service depending on "After=…" never starts.
		c.Dependencies = []string{"After=network-online.target", "Wants=network-online.target"}
		// SPEC C1: a Linux service is installed by root but runs its
		// session work as --user (the installer only registers Linux
		// services under systemd, whose unit honours User=). On Windows and
		// macOS UserName would name a service account, which Tether does
		// not use.
		if rec.User != "" && rec.Launcher == LauncherService {
			c.UserName = rec.User
		}
	}
	return c
}

// ServicePlatform names the service manager kardianos/service chose on
// this machine (e.g. "linux-systemd", "unix-systemv", "darwin-launchd",
// "windows-service").
func ServicePlatform() string {
	if s := service.ChosenSystem(); s != nil {
		return s.String()
	}
	return "none"
}

// noProgram satisfies service.Interface for control calls from the
// installer, which never runs the service itself.
type noProgram struct{}

func (noProgram) Start(service.Service) error { return nil }
func (noProgram) Stop(service.Service) error  { return nil }

func newService(rec *Record) (service.Service, error) {
	s, err := service.New(noProgram{}, ServiceConfig(rec))
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", rec.ServiceName, err)
	}
	return s, nil
}

func installService(rec *Record) error {
	s, err := newService(rec)
	if err != nil {
		return err
	}
	if err := s.Install(); err != nil {
		return fmt.Errorf("install service %s on %s: %w", rec.ServiceName, ServicePlatform(), err)
	}
	setDelayedStart(rec)
	return nil
}

// WindowsServiceFlag is the `tether service run` flag the Windows service
// is registered with: run under the service control manager.
const WindowsServiceFlag = "--windows-service"

func startService(rec *Record) error {
	s, err := newService(rec)
	if err != nil {
		return err
	}
	if err := s.Start(); err != nil {
		return fmt.Errorf("start service %s: %w", rec.ServiceName, err)
	}
	return nil
}

// uninstallService stops (best effort: it may not be running) and removes
// the service; a service that is already gone is not an error.
func uninstallService(rec *Record) error {
	s, err := newService(rec)
	if err != nil {
		return err
	}
	_ = s.Stop()
	if err := s.Uninstall(); err != nil && !errors.Is(err, service.ErrNotInstalled) {
		if st, serr := s.Status(); errors.Is(serr, service.ErrNotInstalled) || (serr == nil && st == service.StatusUnknown) {
			return nil
		}
		return fmt.Errorf("uninstall service %s: %w", rec.ServiceName, err)
	}
	return nil
}
