//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/syncbuf"
)

// clipboardUnderWine is the clipboard part of
// TestWindowsSupportAppUnderWine: with the Windows support app sharing its
// screen, text Notepad copies (Notepad's own process, WM_COPY) reaches the
// technician's viewer and clipboard in headless Chromium, and what the
// technician copied reaches the Windows clipboard and is pasted into
// Notepad (WM_PASTE) — line breaks and characters outside the BMP
// included (clipboard.mjs).
func clipboardUnderWine(t *testing.T, w *wineEnv, s *sitetest.Site, session, wintext, dir string) {
	t.Helper()
	start := time.Now()
	work := filepath.Join(dir, "clipboard")
	remote := "copied on Windows ✓ 😀\nsecond line"
	local := "from the technician ✓ 𝄞\nline two"
	textFile := filepath.Join(work, "remote.txt")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(textFile, []byte(remote), 0o644); err != nil {
		t.Fatal(err)
	}
	node := exec.CommandContext(t.Context(), "node", "clipboard.mjs")
	node.Env = append(os.Environ(), "SITE_URL="+s.URL, "TECH_NAME=tech", "TECH_PASSWORD=tech-password",
		"SESSION_ID="+session, "ACCESS_PASSWORD=access-pw", "WORK_DIR="+work, "REMOTE_TEXT="+remote,
		"LOCAL_TEXT="+local, "OUT_DIR="+filepath.Join(dir, "out"))
	var out syncbuf.Buffer // read while node writes, on a failed step
	node.Stdout, node.Stderr = &out, &out
	if err := node.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- node.Wait() }()
	step := func(name string, every func()) {
		t.Helper()
		for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(time.Second) {
			if _, err := os.Stat(filepath.Join(work, "step-"+name)); err == nil {
				return
			}
			select {
			case err := <-done:
				t.Fatalf("clipboard.mjs ended before %s: %v\n%s", name, err, out.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("clipboard.mjs never reached %s:\n%s", name, out.String())
			}
			if every != nil {
				every()
			}
		}
	}
	step("connected", nil)
	if code, msg := w.run(wintext, "-set-file", `Z:`+strings.ReplaceAll(textFile, "/", `\`)); code != 0 {
		t.Fatalf("wintext -set-file: %d %s", code, msg)
	}
	// Copied again each second until the viewer has it: the agent only
	// watches once the viewer's clipboard stream is open.
	step("got-remote", func() { w.run(wintext, "-copy") })
	step("sent", nil)
	want := strings.ReplaceAll(local, "\n", "\r\n") // as Notepad holds text
	var got string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		w.run(wintext, "-paste")
		if _, got = w.run(wintext); got == want {
			break
		}
	}
	if err := os.WriteFile(filepath.Join(work, "go-done"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("clipboard.mjs: %v\n%s", err, out.String())
	}
	if got != want {
		t.Fatalf("Notepad pasted %q, want the technician's %q", got, want)
	}
	t.Logf("clipboard both ways between Notepad and the viewer in %v", time.Since(start).Round(time.Millisecond))
}
