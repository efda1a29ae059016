package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb/xproto"
)

// envScreenshots names a folder for the README's screenshots (docs/img);
// unset, they go to the test's temporary folder.
const envScreenshots = "TETHER_UI_SCREENSHOTS"

// TestWineWindow runs the Windows tests of this package under Wine on a
// private Xvfb: the Win32 controls become real X windows there, which
// xdotool clicks and types into at the coordinates the Windows side reads
// from GetWindowRect. Skipped without wine and mingw unless
// TETHER_REQUIRE_WINE=1.
func TestWineWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Windows test binary and boots Wine")
	}
	requireTool(t, "wine")
	requireTool(t, "wineserver")
	requireTool(t, "x86_64-w64-mingw32-gcc")
	requireTool(t, "setxkbmap")
	x := newXEnv(t)
	display := os.Getenv("DISPLAY")
	exe := buildWindowsTest(t)
	prefix := winePrefix(t, display)
	// A German keyboard, set before Wine reads it: Wine gives keys it
	// cannot place in its known layouts no virtual key, so umlauts must
	// sit where a German layout has them.
	if out, err := exec.Command("setxkbmap", "de").CombinedOutput(); err != nil {
		t.Fatalf("setxkbmap de: %v: %s", err, out)
	}

	t.Run("driven", func(t *testing.T) {
		x.runWine(t, prefix, exe, []string{"LANG=en_US.UTF-8", "LC_ALL=en_US.UTF-8"},
			"^(TestWin|TestWineDriven|TestModel|TestCatalogue|TestSpec|TestEventQueue)", "TestWineDriven")
	})
	// The screenshots in a Wine virtual desktop, where Wine draws the
	// Windows frame (on a bare Xvfb nobody draws a title bar).
	shots := os.Getenv(envScreenshots)
	if shots == "" {
		shots = t.TempDir()
	}
	setWineDesktop(t, prefix, display, true)
	defer setWineDesktop(t, prefix, display, false)
	for _, lang := range []string{"en_US", "de_DE"} {
		t.Run("desktop-"+lang, func(t *testing.T) {
			x.runWine(t, prefix, exe, []string{"LANG=" + lang + ".UTF-8", "LC_ALL=" + lang + ".UTF-8",
				"TETHER_WANT_LANG=" + lang[:2], envScreenshots + "=" + winePath(shots)}, "^TestWineScreens$", "TestWineScreens")
		})
	}
}

// winePath is a Linux path as Wine programs see it (drive Z: is /).
func winePath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	return "Z:" + strings.ReplaceAll(abs, "/", `\`)
}

// setWineDesktop turns the prefix's virtual desktop on or off.
func setWineDesktop(t *testing.T, prefix, display string, on bool) {
	args := [][]string{{"reg", "delete", `HKCU\Software\Wine\Explorer`, "/v", "Desktop", "/f"}}
	if on {
		args = [][]string{
			{"reg", "add", `HKCU\Software\Wine\Explorer\Desktops`, "/v", "Tether", "/d", "800x600", "/f"},
			{"reg", "add", `HKCU\Software\Wine\Explorer`, "/v", "Desktop", "/d", "Tether", "/f"},
		}
	}
	for _, a := range args {
		cmd := exec.Command("wine", a...)
		cmd.Env = wineEnv(prefix, display)
		if out, err := cmd.CombinedOutput(); err != nil && on {
			t.Fatalf("wine %v: %v: %s", a, err, out)
		}
	}
}

// runWine runs the Windows test binary and serves its driver requests.
func (x *xenv) runWine(t *testing.T, prefix, exe string, env []string, run, mustPass string) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "wine", exe, "-test.v", "-test.count=1", "-test.run", run)
	cmd.Env = wineEnv(prefix, os.Getenv("DISPLAY"), append(env, envWineDriver+"=1")...)
	if d := os.Getenv("TETHER_WINEDEBUG"); d != "" { // e.g. +keyboard, to see what Wine makes of keys
		cmd.Env = append(cmd.Env, "WINEDEBUG="+d)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		req, ok := strings.CutPrefix(line, wineLinePrefix)
		if !ok {
			log.WriteString(line + "\n")
			continue
		}
		out, err := x.serveWine(t, req)
		r := wineReply{OK: err == nil, Out: out}
		if err != nil {
			r.Out = err.Error()
			t.Errorf("driver request %s: %v", req, err)
		}
		b, _ := json.Marshal(r)
		if _, err := fmt.Fprintf(stdin, "%s\n", b); err != nil {
			t.Errorf("reply to wine: %v", err)
		}
	}
	err = cmd.Wait()
	t.Logf("Windows test output:\n%s", log.String())
	if err != nil || !strings.Contains(log.String(), "\nPASS") {
		t.Fatalf("Windows tests under Wine failed: %v\nstderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(log.String(), "--- PASS: "+mustPass+" ") {
		t.Fatalf("%s did not run and pass", mustPass)
	}
}

// serveWine performs one request of the Windows side.
func (x *xenv) serveWine(t *testing.T, req string) (string, error) {
	var c wineCmd
	if err := json.Unmarshal([]byte(req), &c); err != nil {
		return "", err
	}
	xdo := func(args ...string) (string, error) {
		out, err := exec.Command("xdotool", args...).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("xdotool %v: %w: %s", args, err, out)
		}
		return strings.TrimSpace(string(out)), nil
	}
	switch c.Cmd {
	case "find":
		ids := x.findByName(c.Text)
		return strings.Trim(fmt.Sprint(ids), "[]"), nil
	case "click":
		if _, err := xdo("mousemove", fmt.Sprint(c.X), fmt.Sprint(c.Y)); err != nil {
			return "", err
		}
		// Wine wants to see the pointer arrive before the button.
		time.Sleep(50 * time.Millisecond)
		return xdo("click", "1")
	case "type":
		return xdo("type", "--delay", "40", c.Text)
	case "key":
		return xdo("key", c.Text)
	case "close":
		ws := x.findByName(c.Text)
		if len(ws) == 0 {
			return "", fmt.Errorf("no window named %q", c.Text)
		}
		x.sendDeleteTo(ws[0])
		return "", nil
	}
	return "", fmt.Errorf("unknown request %q", c.Cmd)
}

// sendDeleteTo closes a window the way a window manager does.
func (x *xenv) sendDeleteTo(win xproto.Window) {
	atom := func(n string) xproto.Atom {
		a, err := xproto.InternAtom(x.conn, false, uint16(len(n)), n).Reply()
		if err != nil {
			return 0
		}
		return a.Atom
	}
	ev := xproto.ClientMessageEvent{Format: 32, Window: win, Type: atom("WM_PROTOCOLS"),
		Data: xproto.ClientMessageDataUnionData32New([]uint32{uint32(atom("WM_DELETE_WINDOW")), uint32(xproto.TimeCurrentTime), 0, 0, 0})}
	xproto.SendEvent(x.conn, false, win, 0, string(ev.Bytes()))
	x.sync()
}
