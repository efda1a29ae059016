// Package x11 connects to an X server as a desktop client does, with an
// explicit authority file when the caller found one: a jump client started
// at boot (no $DISPLAY, no $XAUTHORITY) reaches the active graphical
// session's display with that session's cookie (see agent/desktop).
package x11

import (
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jezek/xgb"
)

func init() {
	// The library logs to stderr ("Could not get authority info…") — which
	// is the customer's terminal. Failures reach us as errors anyway.
	xgb.Logger = log.New(io.Discard, "", 0)
}

// Display is a parsed display name: [host]:number[.screen].
type Display struct {
	Host   string // "" or "unix": this machine's socket
	Number int
}

// ParseDisplay parses ":0", ":1.0", "unix:2", "host:10.0".
func ParseDisplay(s string) (Display, error) {
	host, rest, ok := strings.Cut(s, ":")
	if !ok || rest == "" {
		return Display{}, fmt.Errorf("bad X display %q", s)
	}
	num, _, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > 65535-6000 {
		return Display{}, fmt.Errorf("bad X display %q", s)
	}
	return Display{Host: host, Number: n}, nil
}

// Local reports whether d is this machine's server (a unix socket).
func (d Display) Local() bool { return d.Host == "" || d.Host == "unix" }

// Socket is the path of a local display's unix socket.
func (d Display) Socket() string { return "/tmp/.X11-unix/X" + strconv.Itoa(d.Number) }

// Dial connects to display ("" = $DISPLAY) with the MIT-MAGIC-COOKIE-1 for
// it from xauthority ("" = $XAUTHORITY, else ~/.Xauthority). Without a
// cookie it connects without one, as servers that allow local clients by
// other means (xhost, Xvfb without -auth) expect.
func Dial(display, xauthority string) (*xgb.Conn, error) {
	if display == "" {
		display = os.Getenv("DISPLAY")
	}
	d, err := ParseDisplay(display)
	if err != nil {
		return nil, err
	}
	cookie := Cookie(xauthority, d)
	if cookie == nil {
		conn, err := xgb.NewConnDisplay(display)
		if err != nil {
			return nil, fmt.Errorf("connect to X display %q: %w", display, err)
		}
		return conn, nil
	}
	nc, err := dialSocket(d)
	if err != nil {
		return nil, fmt.Errorf("connect to X display %q: %w", display, err)
	}
	conn, err := xgb.NewConnNetWithCookieHex(nc, hex.EncodeToString(cookie))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("connect to X display %q: %w", display, err)
	}
	return conn, nil
}

func dialSocket(d Display) (net.Conn, error) {
	if !d.Local() {
		return net.DialTimeout("tcp", net.JoinHostPort(d.Host, strconv.Itoa(6000+d.Number)), 10*time.Second)
	}
	// The abstract socket first (it survives a cleaned /tmp), as Xlib does.
	if c, err := net.Dial("unix", "@"+d.Socket()); err == nil {
		return c, nil
	}
	return net.Dial("unix", d.Socket())
}

// AuthorityFile is the file Dial reads when given none.
func AuthorityFile() string {
	if f := os.Getenv("XAUTHORITY"); f != "" {
		return f
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".Xauthority")
	}
	return ""
}

// Cookie returns the MIT-MAGIC-COOKIE-1 for d in the authority file path
// ("" = AuthorityFile()), or nil.
func Cookie(path string, d Display) []byte {
	if path == "" {
		path = AuthorityFile()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	host, _ := os.Hostname()
	for _, e := range ParseAuthority(b) {
		if e.Name != "MIT-MAGIC-COOKIE-1" || len(e.Data) != 16 || (e.Number != "" && e.Number != strconv.Itoa(d.Number)) {
			continue
		}
		switch {
		case e.Family == familyWild,
			e.Family == familyLocal && d.Local() && (e.Address == host || e.Address == "localhost"),
			e.Family == familyLocal && !d.Local() && e.Address == d.Host:
			return e.Data
		}
	}
	return nil
}
