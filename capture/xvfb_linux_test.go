package capture

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnvRequireX makes tests fail instead of skip when Xvfb is missing (CI).
const EnvRequireX = "TETHER_REQUIRE_X"

// Xvfb is a private X server started for one test or benchmark.
type Xvfb struct {
	// Display is the name to connect to, e.g. ":5".
	Display string
	cmd     *exec.Cmd
	once    sync.Once
}

// StartXvfb starts `Xvfb -screen 0 WxHx24` on a free display and stops it
// when tb ends. Extra server arguments (e.g. "-extension", "MIT-SHM") are
// appended. Without the Xvfb binary it skips tb, or fails it when
// TETHER_REQUIRE_X=1 so that CI cannot silently lose the coverage.
func StartXvfb(tb testing.TB, width, height int, extra ...string) *Xvfb {
	tb.Helper()
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		if os.Getenv(EnvRequireX) == "1" {
			tb.Fatalf("Xvfb not found and %s=1: %v", EnvRequireX, err)
		}
		tb.Skipf("Xvfb not found (install xvfb or set %s=1 to fail): %v", EnvRequireX, err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	// -displayfd lets the server pick a free display number itself, which
	// is race-free against other test processes (it owns the lock file).
	args := append([]string{"-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", width, height),
		"-nolisten", "tcp", "-noreset"}, extra...)
	cmd := exec.CommandContext(tb.Context(), bin, args...)
	cmd.ExtraFiles = []*os.File{w}
	// Cleanup does not run when the test binary dies on a -timeout panic;
	// Pdeathsig keeps such runs from leaving servers behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		w.Close()
		tb.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	x := &Xvfb{cmd: cmd}
	tb.Cleanup(x.Stop)

	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			x.Stop()
			tb.Fatalf("Xvfb exited before announcing its display: %s", stderr.String())
		}
		x.Display = ":" + n
	case <-time.After(15 * time.Second):
		x.Stop() // so that stderr is complete and no longer written to
		tb.Fatalf("Xvfb did not start within 15s: %s", stderr.String())
	}
	return x
}

// Stop kills the server and waits for it; safe to call more than once.
func (x *Xvfb) Stop() {
	x.once.Do(func() {
		_ = x.cmd.Process.Kill()
		_ = x.cmd.Wait()
	})
}
