package desktop

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tetherhq/tether/capture"
	"github.com/tetherhq/tether/internal/x11"
	"github.com/tetherhq/tether/internal/xvfbtest"
)

// securedX starts an Xvfb that only admits clients with its cookie (as a
// display manager's server does) and returns it with its authority file.
func securedX(t *testing.T) (*xvfbtest.Server, string) {
	t.Helper()
	cookie := make([]byte, 16)
	rand.Read(cookie)
	auth := filepath.Join(t.TempDir(), "serverauth")
	os.WriteFile(auth, x11.AppendEntry(nil, x11.Entry{Family: 65535, Name: "MIT-MAGIC-COOKIE-1", Data: cookie}), 0o600)
	return xvfbtest.Start(t, 640, 480, "-auth", auth), auth
}

// sessionProgram runs a program of the graphical session: what a desktop's
// own processes look like in /proc (DISPLAY and XAUTHORITY set).
func sessionProgram(t *testing.T, display, xauth string) {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	cmd.Env = []string{"DISPLAY=" + display, "XAUTHORITY=" + xauth}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
}

// finder sees no $DISPLAY (an agent started at boot), the given logind
// sessions, and only the given X sockets.
func finder(t *testing.T, sessions map[string]string, displays ...string) *Finder {
	t.Helper()
	sdir, xdir := t.TempDir(), t.TempDir()
	for id, body := range sessions {
		os.WriteFile(filepath.Join(sdir, id), []byte(body), 0o644)
	}
	for _, d := range displays {
		os.WriteFile(filepath.Join(xdir, "X"+strings.TrimPrefix(d, ":")), nil, 0o644)
	}
	return &Finder{SessionsDir: sdir, ProcDir: "/proc", SocketDir: xdir, Getenv: func(string) string { return "" }, Probe: probe}
}

func TestFindsTheLogindSession(t *testing.T) {
	x, auth := securedX(t)
	sessionProgram(t, x.Display, auth)
	f := finder(t, map[string]string{
		"3": fmt.Sprintf("UID=%d\nUSER=me\nACTIVE=1\nSEAT=seat0\nTYPE=x11\nDISPLAY=%s\n", os.Getuid(), x.Display),
		"4": "UID=4242\nUSER=other\nACTIVE=0\nTYPE=x11\nDISPLAY=:99\n", // not active
	})
	s, err := f.Find()
	if err != nil {
		t.Fatal(err)
	}
	if s.Display != x.Display || s.XAuthority != auth || s.Source != "logind" {
		t.Fatalf("found %+v, want %s with %s from logind", s, x.Display, auth)
	}
	// The session found is one capture can use.
	c, err := capture.Open(capture.WithX11Display(s.Display), capture.WithXAuthority(s.XAuthority), capture.WithBackend(capture.BackendXShm))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if f, err := c.Grab(0); err != nil || f.Width != 640 {
		t.Fatalf("grab: %v", err)
	}
}

func TestFindsAnXServerWithoutLogind(t *testing.T) {
	x, auth := securedX(t)
	sessionProgram(t, x.Display, auth)
	s, err := finder(t, nil, x.Display).Find()
	if err != nil || s.Display != x.Display || s.XAuthority != auth || s.Source != "x11-socket" {
		t.Fatalf("found %+v, %v", s, err)
	}
}

// Without the session's cookie nothing can connect: "no display", and why.
func TestNoDisplayWithoutAccess(t *testing.T) {
	x, _ := securedX(t)
	_, err := finder(t, nil, x.Display).Find()
	if !errors.Is(err, ErrNoDisplay) || !strings.Contains(err.Error(), x.Display) {
		t.Fatalf("got %v", err)
	}
	if _, err := finder(t, nil).Find(); !errors.Is(err, ErrNoDisplay) || !strings.Contains(err.Error(), "nobody is logged in") {
		t.Fatalf("nothing at all: %v", err)
	}
}

func TestEnvironmentFirst(t *testing.T) {
	x := xvfbtest.Start(t, 320, 240)
	f := finder(t, nil)
	f.Getenv = func(k string) string {
		if k == "DISPLAY" {
			return x.Display
		}
		return ""
	}
	if s, err := f.Find(); err != nil || s.Display != x.Display || s.Source != "environment" {
		t.Fatalf("found %+v, %v", s, err)
	}
}
