package installer

import (
	"log/slog"

	"golang.org/x/sys/windows/svc/mgr"
)

// setDelayedStart makes the service start after the boot-critical ones
// (Automatic (Delayed Start)). Best effort: Wine's
// ChangeServiceConfig2 does not know the setting ("Invalid level"), and a
// service that starts a minute later is no reason to fail the install.
func setDelayedStart(rec *Record) {
	m, err := mgr.Connect()
	if err != nil {
		slog.Warn("delayed start: connect to the service manager", "err", err)
		return
	}
	defer m.Disconnect()
	s, err := m.OpenService(rec.ServiceName)
	if err != nil {
		slog.Warn("delayed start: open service", "service", rec.ServiceName, "err", err)
		return
	}
	defer s.Close()
	c, err := s.Config()
	if err == nil {
		c.DelayedAutoStart = true
		err = s.UpdateConfig(c)
	}
	if err != nil {
		slog.Info("delayed start not available; the service starts at boot", "service", rec.ServiceName, "err", err)
	}
}
