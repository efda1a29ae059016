//go:build !windows && !plan9

package installer

import (
	"fmt"
	"log/syslog"
)

// syslogNetwork/syslogAddr select the syslog endpoint; empty means the
// local default (/dev/log …). Tests point them at their own socket.
var syslogNetwork, syslogAddr string

func writeOSLog(msg string) error {
	w, err := syslog.Dial(syslogNetwork, syslogAddr, syslog.LOG_ERR|syslog.LOG_USER, EventSource)
	if err != nil {
		return fmt.Errorf("open syslog: %w", err)
	}
	defer w.Close()
	if err := w.Err(msg); err != nil {
		return fmt.Errorf("write syslog: %w", err)
	}
	return nil
}
