//go:build !windows && !plan9

package installer

import (
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReportFailureSyslog delivers to a private unixgram socket standing in
// for /dev/log and checks priority, tag and text.
func TestReportFailureSyslog(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Skipf("unixgram: %v", err)
	}
	defer c.Close()
	syslogNetwork, syslogAddr = "unixgram", sock
	defer func() { syslogNetwork, syslogAddr = "", "" }()
	if err := ReportFailure(errors.New("disk full")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	msg := string(buf[:n])
	// <11> = facility user (1) * 8 + severity err (3).
	if !strings.HasPrefix(msg, "<11>") || !strings.Contains(msg, "tether[") ||
		!strings.Contains(msg, "installation failed: disk full") {
		t.Errorf("syslog message %q", msg)
	}
}
