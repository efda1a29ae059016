//go:build linux

// Package xvfbtest starts private Xvfb servers for tests and benchmarks of
// capture, input and the end-to-end test, so they test against a real X
// server without colliding with each other or with a developer's display.
package xvfbtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnvRequireX makes tests fail instead of skip when X tools are missing (CI).
const EnvRequireX = "TETHER_REQUIRE_X"

// RequireBinary returns the path of a program, skipping tb when it is
// missing unless TETHER_REQUIRE_X=1 (then tb fails, so CI cannot silently
// lose coverage).
func RequireBinary(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(EnvRequireX) == "1" {
			tb.Fatalf("%s not found and %s=1: %v", name, EnvRequireX, err)
		}
		tb.Skipf("%s not installed (set %s=1 to fail instead): %v", name, EnvRequireX, err)
	}
	return p
}

// Server is a running Xvfb.
type Server struct {
	// Display is the name to connect to, e.g. ":5".
	Display string
	cmd     *exec.Cmd
	stderr  bytes.Buffer
	once    sync.Once
}

// Start starts `Xvfb -screen 0 WxHx24` (plus extra arguments, e.g.
// "-extension", "MIT-SHM") and stops it in tb's cleanup. It is not tied to
// tb.Context, which ends before cleanups that may still need the server.
func Start(tb testing.TB, width, height int, extra ...string) *Server {
	tb.Helper()
	s, err := Launch(RequireBinary(tb, "Xvfb"), width, height, extra...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// Launch starts Xvfb and waits until it reports its display. -displayfd
// lets the server pick a free display number itself (race-free against
// other processes); -noreset keeps it (and its keymap) alive when the last
// client leaves. Pdeathsig kills it if the test binary dies on a timeout.
func Launch(bin string, width, height int, extra ...string) (*Server, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	args := append([]string{"-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", width, height),
		"-nolisten", "tcp", "-noreset"}, extra...)
	s := &Server{cmd: exec.Command(bin, args...)}
	s.cmd.ExtraFiles = []*os.File{w}
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	s.cmd.Stderr = &s.stderr
	if err := s.cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("start Xvfb: %w", err)
	}
	w.Close()
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		got <- strings.TrimSpace(line)
	}()
	select {
	case n := <-got:
		if n == "" {
			s.Stop()
			return nil, errors.New("Xvfb exited before announcing its display: " + s.stderr.String())
		}
		s.Display = ":" + n
		return s, nil
	case <-time.After(15 * time.Second):
		s.Stop()
		return nil, errors.New("Xvfb did not start within 15s: " + s.stderr.String())
	}
}

// Stop kills the server and waits for it; safe to call more than once.
func (s *Server) Stop() {
	s.once.Do(func() {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	})
}
