package installer

import (
	"fmt"

	"golang.org/x/sys/windows/svc/eventlog"
)

// eventIDInstallFailed is the event ID of install failures.
const eventIDInstallFailed = 1001

func writeOSLog(msg string) error {
	// Registering the source needs Administrator; without it the event is
	// still written, only Event Viewer shows a "description not found"
	// preamble. So a failure here is ignored.
	_ = eventlog.InstallAsEventCreate(EventSource, eventlog.Error|eventlog.Warning|eventlog.Info)
	l, err := eventlog.Open(EventSource)
	if err != nil {
		return fmt.Errorf("open event log: %w", err)
	}
	defer l.Close()
	if err := l.Error(eventIDInstallFailed, msg); err != nil {
		return fmt.Errorf("write event log: %w", err)
	}
	return nil
}
