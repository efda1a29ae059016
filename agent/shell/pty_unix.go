//go:build unix

package shell

import (
	"fmt"
	"os"
	"runtime"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair. creack/pty hands back a master in
// blocking mode (its ioctls go through File.Fd), where Close cannot
// interrupt a pending Read; on Linux the master is re-opened here as a
// non-blocking, poller-managed, close-on-exec descriptor so that Close
// always unblocks Read. Elsewhere (macOS's kqueue and ptys have a history
// of not getting along) it stays blocking: a pending Read then ends when
// the session's processes are gone, which Close sees to.
func openPTY() (master, tty *os.File, err error) {
	m, tty, err := pty.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("shell: open pty: %w", err)
	}
	if runtime.GOOS != "linux" {
		return m, tty, nil
	}
	fd, err := unix.FcntlInt(m.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	m.Close()
	if err == nil {
		err = unix.SetNonblock(fd, true)
	}
	if err != nil {
		tty.Close()
		return nil, nil, fmt.Errorf("shell: pty master: %w", err)
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), tty, nil
}

// setSize sets the terminal's size in cells, without touching the master's
// blocking mode.
func setSize(master *os.File, cols, rows uint16) error {
	err := control(master, func(fd int) error {
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Col: cols, Row: rows})
	})
	if err != nil {
		return fmt.Errorf("shell: set size: %w", err)
	}
	return nil
}

// foreground is the terminal's foreground process group, 0 if unknown.
func foreground(master *os.File) int {
	var pg int
	control(master, func(fd int) error {
		var err error
		pg, err = unix.IoctlGetInt(fd, unix.TIOCGPGRP)
		return err
	})
	return pg
}

func control(f *os.File, fn func(fd int) error) error {
	sc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := sc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}
