//go:build unix

package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// hangupGrace is how long Close lets the shell react to SIGHUP (save its
// history, stop its jobs) before everything in the session is killed.
const hangupGrace = 250 * time.Millisecond

// Session is a running shell on a pseudo-terminal. Read and Write may be
// called concurrently with each other and with Resize and Close.
type Session struct {
	pty  *os.File // the master side
	pid  int
	done chan struct{} // closed when the shell has been reaped
	err  error         // from Wait, valid after done

	closeOnce sync.Once
	stop      func() bool // unregisters the ctx watch
}

// Start starts the shell. Cancelling ctx closes the session.
func Start(ctx context.Context, opts Options) (*Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("shell: %w", err)
	}
	self := currentUser()
	as := self
	if opts.RunAs != nil {
		as = opts.RunAs
	}
	if as.UID == 0 && !opts.AllowRoot {
		return nil, ErrRoot
	}
	switchUser := as.UID != self.UID || as.GID != self.GID
	if switchUser && self.UID != 0 {
		return nil, fmt.Errorf("shell: running as %s (uid %d) needs root", as.Name, as.UID)
	}

	cmd, err := command(opts, as)
	if err != nil {
		return nil, err
	}
	cmd.Env = environment(opts, as, switchUser)
	cmd.Dir = workDir(opts.Dir, as.Home)
	// The shell leads a new session with the pty as its controlling
	// terminal (stdin, fd 0, in the child).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if switchUser {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: as.UID, Gid: as.GID, Groups: as.Groups}
	}
	master, tty, err := openPTY()
	if err != nil {
		return nil, err
	}
	cols, rows := opts.size()
	if err := setSize(master, cols, rows); err != nil {
		master.Close()
		tty.Close()
		return nil, err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	err = cmd.Start()
	tty.Close() // the child has its own copies
	if err != nil {
		master.Close()
		return nil, fmt.Errorf("shell: start %s: %w", cmd.Path, err)
	}
	s := &Session{pty: master, pid: cmd.Process.Pid, done: make(chan struct{})}
	go func() {
		s.err = exitError(cmd.Wait())
		close(s.done)
	}()
	// The callback may run at once, on another goroutine: it must not
	// touch s.stop, which Close uses.
	s.stop = context.AfterFunc(ctx, func() { s.closeOnce.Do(s.shutdown) })
	return s, nil
}

// command is the program to run: Options.Command, or the user's login
// shell started as a login shell ("-bash" as argv[0]).
func command(opts Options, as *User) (*exec.Cmd, error) {
	if len(opts.Command) > 0 {
		path, err := exec.LookPath(opts.Command[0])
		if err != nil {
			return nil, fmt.Errorf("shell: %w", err)
		}
		return &exec.Cmd{Path: path, Args: opts.Command}, nil
	}
	sh := as.Shell
	if sh == "" && as.UID == uint32(os.Geteuid()) {
		sh = os.Getenv("SHELL")
	}
	if fi, err := os.Stat(sh); sh == "" || !filepath.IsAbs(sh) || err != nil || fi.IsDir() {
		sh = "/bin/sh"
	}
	return &exec.Cmd{Path: sh, Args: []string{"-" + filepath.Base(sh)}}, nil
}

// environment: the agent's own environment when the shell runs as the
// agent's user, a fresh one for another user; then the terminal and user
// variables, a UTF-8 locale if none is set, and Options.Env last.
func environment(opts Options, as *User, switchUser bool) []string {
	var base []string
	if switchUser {
		path := "/usr/local/bin:/usr/bin:/bin"
		if as.UID == 0 {
			path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
		}
		base = []string{"PATH=" + path}
		for _, k := range []string{"LANG", "LC_ALL", "LC_CTYPE", "TZ"} {
			if v, ok := os.LookupEnv(k); ok {
				base = append(base, k+"="+v)
			}
		}
	} else {
		base = os.Environ()
	}
	set := []string{"TERM=xterm-256color", "COLORTERM=truecolor"}
	if as.Name != "" {
		set = append(set, "USER="+as.Name, "LOGNAME="+as.Name)
	}
	if as.Home != "" {
		set = append(set, "HOME="+as.Home)
	}
	if as.Shell != "" {
		set = append(set, "SHELL="+as.Shell)
	}
	env := mergeEnv(base, set, false)
	if !hasLocale(env) {
		env = append(env, "LANG="+utf8Locale())
	}
	return mergeEnv(env, opts.Env, false)
}

func hasLocale(env []string) bool {
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v, ok := lookupEnv(env, k); ok && v != "" {
			return true
		}
	}
	return false
}

// utf8Locale exists on every glibc and musl system; macOS names it
// differently.
func utf8Locale() string {
	if runtime.GOOS == "darwin" {
		return "en_US.UTF-8"
	}
	return "C.UTF-8"
}

func workDir(dir, home string) string {
	for _, d := range []string{dir, home} {
		if d == "" {
			continue
		}
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
		if d == dir {
			return d // asked for explicitly: let Start report it
		}
	}
	return "/"
}

// Read reads the terminal's output. It returns io.EOF once the shell and
// everything else holding the terminal have exited.
func (s *Session) Read(p []byte) (int, error) {
	n, err := s.pty.Read(p)
	if err != nil && (errors.Is(err, syscall.EIO) || errors.Is(err, os.ErrClosed)) {
		err = io.EOF // Linux reports a hung-up pty as EIO
	}
	return n, err
}

// Write sends keystrokes (bytes) to the terminal.
func (s *Session) Write(p []byte) (int, error) { return s.pty.Write(p) }

// Resize sets the terminal size; the foreground program gets SIGWINCH.
func (s *Session) Resize(cols, rows uint16) error {
	if cols == 0 || rows == 0 {
		return fmt.Errorf("shell: resize to %dx%d", cols, rows)
	}
	return setSize(s.pty, cols, rows)
}

// Pid is the shell's process id.
func (s *Session) Pid() int { return s.pid }

// Wait waits for the shell to exit: nil for status 0, an *ExitError
// otherwise.
func (s *Session) Wait() error {
	<-s.done
	return s.err
}

// Close hangs up the terminal and kills every process of its session:
// SIGHUP first, then, after a short grace, SIGKILL to every process group
// in the session (background jobs of an interactive shell each have their
// own). It waits for the shell to be reaped. Safe to call more than once;
// call it after Wait too, to end what the shell left running.
func (s *Session) Close() error {
	s.stop()
	s.closeOnce.Do(s.shutdown)
	return nil
}

func (s *Session) shutdown() {
	s.signalSession(unix.SIGHUP)
	select {
	case <-s.done:
	case <-time.After(hangupGrace):
	}
	s.signalSession(unix.SIGKILL)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second): // stuck in the kernel; do not hang the caller
	}
	// Kill once more for anything forked meanwhile: whatever still holds
	// the terminal keeps Read from reaching EOF.
	s.signalSession(unix.SIGKILL)
	s.pty.Close()
}

// signalSession signals the shell's process group, the terminal's
// foreground process group and every process group with a member in the
// shell's session.
func (s *Session) signalSession(sig unix.Signal) {
	groups := map[int]bool{s.pid: true}
	if fg := foreground(s.pty); fg > 0 {
		groups[fg] = true
	}
	for _, pid := range sessionMembers(s.pid) {
		if pg, err := unix.Getpgid(pid); err == nil && pg > 0 {
			groups[pg] = true
		}
	}
	for pg := range groups {
		unix.Kill(-pg, sig)
	}
}

// exitError turns exec's result into ExitError.
func exitError(err error) error {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return err
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return &ExitError{Code: 128 + int(ws.Signal())}
	}
	return &ExitError{Code: ee.ExitCode()}
}
