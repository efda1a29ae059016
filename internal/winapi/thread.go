package winapi

import (
	"errors"
	"runtime"
	"sync"
)

// ErrThreadStopped is returned by [Thread.Do] after [Thread.Stop].
var ErrThreadStopped = errors.New("winapi: thread stopped")

// Thread runs functions one at a time on a single goroutine locked to its
// OS thread. Win32 keeps some state per thread — the desktop a thread is
// attached to (SetThreadDesktop), message queues, COM apartments — and Go
// moves goroutines between threads freely, so code that depends on that
// state must run here.
//
// The thread is never unlocked: when Stop ends the goroutine, Go exits the
// OS thread too, so no other goroutine ever inherits its desktop.
type Thread struct {
	calls chan func()
	stop  chan func()
	done  chan struct{}
	once  sync.Once
}

// StartThread starts the thread and runs init on it first (nil is allowed).
func StartThread(init func()) *Thread {
	t := &Thread{calls: make(chan func()), stop: make(chan func(), 1), done: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer close(t.done)
		if init != nil {
			init()
		}
		close(ready)
		for {
			select {
			case f := <-t.calls:
				f()
			case final := <-t.stop:
				if final != nil {
					final()
				}
				return
			}
		}
	}()
	<-ready
	return t
}

// Do runs f on the thread and waits for it to return. Calls from several
// goroutines are serialised. It returns ErrThreadStopped once Stop ran.
func (t *Thread) Do(f func()) error {
	finished := make(chan struct{})
	select {
	case t.calls <- func() { defer close(finished); f() }:
	case <-t.done:
		return ErrThreadStopped
	}
	<-finished
	return nil
}

// Stop runs final on the thread (after any call in progress), ends the
// thread and waits for it. Later calls do nothing.
func (t *Thread) Stop(final func()) {
	t.once.Do(func() { t.stop <- final })
	<-t.done
}
