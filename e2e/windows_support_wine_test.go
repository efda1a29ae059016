//go:build linux

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/sitetest"
)

// TestWindowsSupportAppUnderWine is SPEC A end to end on Windows: a
// technician creates a session, the customer runs the downloaded Windows
// support app (the real build, GUI subsystem) under Wine, the technician's
// viewer in headless Chromium types into Notepad on that desktop and the
// text arrives there; the clipboard goes both ways between Notepad and the
// viewer; when the technician ends the session the app removes its own
// .exe (a running exe cannot delete itself: the cmd.exe hand-off).
func TestWindowsSupportAppUnderWine(t *testing.T) {
	prerequisites(t)
	requireWine(t)
	w := newWine(t)
	s := sitetest.Start(t, nil)
	dir := t.TempDir()
	exe := filepath.Join(s.Agents, "tether-windows-amd64.exe")
	os.Remove(exe) // sitetest's stand-in: the real build replaces it
	windowsBuild(t, exe, "./cmd/tether", "-H windowsgui")
	wintext := filepath.Join(dir, "wintext.exe")
	windowsBuild(t, wintext, "./e2e/testdata/wintext", "")

	ss := s.CreateSession(map[string]any{"customer_name": "Wine"})
	app, st, eb := s.Download(ss.Code, "windows-amd64", dir)
	if st != 200 || !strings.HasSuffix(app, ss.Code) {
		t.Fatalf("download: %d %+v", st, eb)
	}
	appExe := app + ".exe"
	os.Rename(app, appExe)

	notepad := w.start("notepad.exe")
	defer notepad()
	np := w.xwindow("Notepad")
	xdo(t, w.display, "windowmove", np, "0", "0")
	xdo(t, w.display, "windowsize", np, "800", "600")

	supportApp := w.start(appExe, "support", "--security-code", ss.SecurityCode, "--allow-control")
	defer supportApp()
	sitetest.WaitFor(t, "the Windows support app activated the session", func() bool {
		g := s.Get(ss.ID)
		return g.Status == "activated" && g.Online
	})

	// Under Wine the first key after the click's focus change can land in
	// the old queue (a Shift was lost once): a probe "." goes first.
	text := "Hello from Tether to Wine 123"
	node := exec.CommandContext(t.Context(), "node", "viewer.mjs")
	node.Env = append(os.Environ(), "SITE_URL="+s.URL, "TECH_NAME=tech", "TECH_PASSWORD=tech-password",
		"SESSION_ID="+ss.ID, "ACCESS_PASSWORD=access-pw", "TYPE_TEXT=."+text, "CLICK_X=400", "CLICK_Y=300",
		"LATENCY_SAMPLES=4", "OUT_DIR="+filepath.Join(dir, "out"))
	if out, err := node.CombinedOutput(); err != nil {
		t.Fatalf("viewer.mjs: %v\n%s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		_, got = w.run(wintext)
		if strings.Contains(got, text) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if !strings.Contains(got, text) {
		t.Fatalf("Notepad holds %q, want the typed %q", got, text)
	}
	clipboardUnderWine(t, w, s, ss.ID, wintext, dir)

	s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/close", nil, nil)
	sitetest.WaitFor(t, "the app removed its .exe", func() bool {
		_, err := os.Stat(appExe)
		return os.IsNotExist(err)
	})
}

// windowsBuild builds pkg for windows/amd64 into out.
func windowsBuild(t *testing.T, out, pkg, ldflags string) {
	t.Helper()
	build := exec.CommandContext(t.Context(), "go", "build", "-trimpath", "-ldflags", "-s -w "+ldflags, "-o", out, pkg)
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=windows", "GOARCH=amd64")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build %s for Windows: %v\n%s", pkg, err, b)
	}
}

// start runs a Windows program in the background; the returned func stops
// it (and the test's cleanup does too).
func (w *wineEnv) start(name string, args ...string) func() {
	w.t.Helper()
	log, _ := os.CreateTemp(w.logs, "bg-*")
	cmd := exec.Command("wine", append([]string{name}, args...)...)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = append(w.env, "TETHER_NO_DIALOG=1"), w.prefix, log, log
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	var once sync.Once
	stop := func() { once.Do(func() { w.stop(cmd, log, name) }) }
	w.t.Cleanup(stop)
	return stop
}

func (w *wineEnv) stop(cmd *exec.Cmd, log *os.File, name string) {
	{
		cmd.Process.Kill()
		cmd.Wait()
		log.Close()
		if w.t.Failed() {
			b, _ := os.ReadFile(log.Name())
			w.t.Logf("wine %s output:\n%s", filepath.Base(name), b)
		}
	}
}

// xwindow waits for the X window of a Windows program by name.
func (w *wineEnv) xwindow(name string) string {
	w.t.Helper()
	return strings.Fields(xdo(w.t, w.display, "search", "--sync", "--name", name))[0]
}

// xdo runs xdotool on display (at most 30 s: --sync waits for ever).
func xdo(t *testing.T, display string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("xdotool %v: %v %s", args, err, out.String())
	}
	return strings.TrimSpace(out.String())
}
