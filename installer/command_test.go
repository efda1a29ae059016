//go:build linux

package installer

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunInstall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "jc")
	rootNoUser := "--install-dir=" + dir
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"help", []string{"--help"}, ExitOK, "Usage: tether install", ""},
		{"bad flag", []string{"--bogus"}, ExitUsage, "", "unknown flag --bogus"},
		{"stray word", []string{"--jc-tag", "a", "b"}, ExitUsage, "", "quote values"},
		{"MSI properties", []string{"INSTALLDIR=relative", "jc_tag=x", "/quiet"}, ExitInvalid, "", ""},
		{"MSI unknown property", []string{"ALLUSERS=1"}, ExitUsage, "", "unknown MSI property"},
		{"relative dir", []string{"--install-dir", "rel"}, ExitInvalid, "", "absolute"},
	}
	if os.Geteuid() == 0 {
		cases = append(cases, struct {
			name           string
			args           []string
			code           int
			stdout, stderr string
		}{"root without --user", []string{rootNoUser}, ExitRootWithoutUser, "", "Warning: Installing as root requires --user"})
	}
	// Silent failures go to syslog; point it at a private socket.
	sock := filepath.Join(t.TempDir(), "log")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Skip(err)
	}
	defer c.Close()
	syslogNetwork, syslogAddr = "unixgram", sock
	defer func() { syslogNetwork, syslogAddr = "", "" }()
	for _, c := range cases {
		if os.Geteuid() == 0 && c.code == ExitInvalid {
			// Root is refused without --user before the dir is looked at.
			if strings.Contains(c.args[0], "=") && !strings.HasPrefix(c.args[0], "-") {
				c.args = append(c.args, "user=nobody")
			} else {
				c.args = append(c.args, "--user", "nobody")
			}
		}
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := RunInstall(context.Background(), c.args, nil, "/nonexistent", &out, &errb)
			if code != c.code || !strings.Contains(out.String(), c.stdout) || !strings.Contains(errb.String(), c.stderr) {
				t.Errorf("code %d stdout %q stderr %q; want %d, %q, %q", code, out.String(), errb.String(), c.code, c.stdout, c.stderr)
			}
		})
	}
	// The /quiet case above was silent: nothing on stderr, one syslog line.
	var out, errb bytes.Buffer
	RunInstall(context.Background(), []string{"--silent", "--install-dir", "rel", "--user", "nobody"}, nil, "/nonexistent", &out, &errb)
	if out.Len()+errb.Len() != 0 {
		t.Errorf("silent install printed %q %q", out.String(), errb.String())
	}
	buf := make([]byte, 4096)
	var last string
	for {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Read(buf)
		if err != nil {
			break
		}
		last = string(buf[:n])
	}
	want := "absolute"
	if os.Geteuid() != 0 {
		want = "only root" // --user nobody is someone else
	}
	if !strings.Contains(last, want) {
		t.Errorf("last syslog message %q does not contain %q", last, want)
	}
}
