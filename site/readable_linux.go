package site

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"syscall"
)

const canWaitReadable = true

// pollState is a link's registration in the site's epoll set.
type pollState struct {
	token uint64 // names the link in events; never reused, unlike fds
	added bool   // the socket is in the set (re-arm with MOD)
}

// The site's epoll set of idle agent sockets. Each is armed one-shot, so an
// event comes once per onReadable; closing a socket removes it from the
// set by itself.
var epoll struct {
	once    sync.Once
	fd      int
	err     error
	mu      sync.Mutex
	next    uint64
	waiting map[uint64]func() // token → what runs when it turns readable
}

func onReadable(l *rawLink, then func()) error {
	epoll.once.Do(startEpoll)
	if epoll.err != nil {
		return epoll.err
	}
	epoll.mu.Lock()
	if l.poll.token == 0 {
		epoll.next++
		l.poll.token = epoll.next
	}
	token := l.poll.token
	epoll.waiting[token] = then
	epoll.mu.Unlock()
	var ctlErr error
	err := l.sock.Control(func(fd uintptr) { // the fd stays open meanwhile
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT,
			Fd: int32(token), Pad: int32(token >> 32)}
		op := syscall.EPOLL_CTL_MOD
		if !l.poll.added {
			op = syscall.EPOLL_CTL_ADD
		}
		if ctlErr = syscall.EpollCtl(epoll.fd, op, int(fd), &ev); ctlErr == nil {
			l.poll.added = true
		}
	})
	if err = errors.Join(err, ctlErr); err != nil {
		forgetReadable(l)
		return fmt.Errorf("epoll: %w", err)
	}
	return nil
}

func forgetReadable(l *rawLink) {
	epoll.mu.Lock()
	defer epoll.mu.Unlock()
	delete(epoll.waiting, l.poll.token)
}

func startEpoll() {
	epoll.fd, epoll.err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if epoll.err != nil {
		return
	}
	epoll.waiting = map[uint64]func(){}
	go epollLoop()
}

// epollLoop is the one goroutine that waits for all idle agent sockets (in
// a system call, on a thread of its own).
func epollLoop() {
	events := make([]syscall.EpollEvent, 256)
	for {
		n, err := syscall.EpollWait(epoll.fd, events, -1)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			slog.Error("epoll wait; idle agent connections are no longer read", "err", err)
			return
		}
		for _, ev := range events[:n] {
			token := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			epoll.mu.Lock()
			then := epoll.waiting[token]
			delete(epoll.waiting, token)
			epoll.mu.Unlock()
			if then != nil {
				go then()
			}
		}
	}
}
