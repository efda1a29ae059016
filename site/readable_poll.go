//go:build unix && !linux

package site

import (
	"errors"
	"syscall"
)

const canWaitReadable = true

type pollState struct{}

// onReadable waits on a goroutine of its own: it runs nothing deep while
// it waits, so its stack stays at the minimum, and then runs then (which
// goes on to read on this goroutine and arms a new one for the next wait).
// A closed socket returns the wait too, and then's read reports it.
func onReadable(l *rawLink, then func()) error {
	go func() {
		waitReadable(l.sock)
		then()
	}()
	return nil
}

func forgetReadable(*rawLink) {}

// waitReadable waits in the runtime's network poller until sock has data
// (or EOF, or an error), peeking one byte so that nothing is consumed.
func waitReadable(sock syscall.RawConn) error {
	var b [1]byte
	return sock.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK)
		return !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EINTR)
	})
}
