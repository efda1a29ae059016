package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/xvfbtest"
)

// TestDoubleClickedSupportApp runs the real support app the way a
// double-click does — no terminal (stdin /dev/null), a desktop — and the
// customer only reads and types into its window: the security code goes
// into the window, the session activates, and when the technician ends it
// the app removes itself.
func TestDoubleClickedSupportApp(t *testing.T) {
	xvfbtest.RequireBinary(t, "xdotool")
	x := xvfbtest.Start(t, 1024, 768)
	s := sitetest.Start(t, nil)
	platform := "linux-amd64"
	os.Remove(filepath.Join(s.Agents, "tether-"+platform)) // the stand-in
	buildAgent(t, "dev", filepath.Join(s.Agents, "tether-"+platform))
	ss := s.CreateSession(nil)
	exe, st, eb := s.Download(ss.Code, platform, t.TempDir())
	if st != 200 {
		t.Fatalf("download: %d %+v", st, eb)
	}
	home := t.TempDir()
	app := exec.Command(exe)
	app.Stdin = nil // /dev/null, as for a double-click
	var out bytes.Buffer
	app.Stdout, app.Stderr = &out, &out
	app.Env = []string{"DISPLAY=" + x.Display, "HOME=" + home, "PATH=" + os.Getenv("PATH"), "LANG=en_US.UTF-8"}
	dieWithTest(app)
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed once the app is gone
	go func() { app.Wait(); close(exited) }()
	t.Cleanup(func() {
		app.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("support app output:\n%s", out.String())
		}
	})

	xdo := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second) // --sync waits for ever
		defer cancel()
		cmd := exec.CommandContext(ctx, "xdotool", args...)
		cmd.Env = append(os.Environ(), "DISPLAY="+x.Display)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("xdotool %v: %v %s", args, err, b)
		}
		return strings.TrimSpace(string(b))
	}
	win := strings.Fields(xdo("search", "--sync", "--name", "Tether remote support"))[0]
	xdo("windowfocus", "--sync", win)
	time.Sleep(300 * time.Millisecond) // the window asks for the code once connected
	xdo("type", "--delay", "30", ss.SecurityCode)
	xdo("key", "Return")
	sitetest.WaitFor(t, "activated from the window", func() bool {
		g := s.Get(ss.ID)
		return g.Status == "activated" && g.Online
	})
	if strings.Contains(out.String(), "XGB") {
		t.Fatalf("library chatter reached the customer:\n%s", out.String())
	}
	s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/close", nil, nil)
	// The window says why the app ends; closing it ends the app.
	time.Sleep(500 * time.Millisecond)
	xdo("windowclose", win)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatal("the app did not exit after the session was closed and its window closed")
	}
	if _, err := os.Stat(exe); !os.IsNotExist(err) {
		t.Fatal("the support app did not remove itself")
	}
}
