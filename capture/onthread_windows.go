package capture

import (
	"sync"
	"sync/atomic"

	"github.com/tetherhq/tether/internal/winapi"
)

// onThread is what the Windows backends share: their state lives on one
// locked OS thread (GDI's screen DC and the thread's desktop, DXGI's
// device are per-thread), calls made once Close has begun fail with
// ErrClosed, and the first Wait reports a change — the caller has not seen
// the screen yet, so a loop that grabs only on change gets a key frame.
type onThread struct {
	th        *winapi.Thread
	release   func() // runs on th when it stops
	first     atomic.Bool
	closing   chan struct{}
	closeOnce sync.Once
}

// startOnThread runs open on a new capture thread; when it fails, the
// thread stops (release runs there) and the error is returned.
func startOnThread(open func() error, release func()) (*onThread, error) {
	t := &onThread{release: release, closing: make(chan struct{})}
	var err error
	t.th = winapi.StartThread(func() { err = open() })
	if err != nil {
		t.th.Stop(release)
		return nil, err
	}
	t.first.Store(true)
	return t, nil
}

// do runs f on the capture thread; after Close it returns ErrClosed.
func (t *onThread) do(f func() error) error {
	select {
	case <-t.closing: // Close has begun: the thread may still run a call or two
		return ErrClosed
	default:
	}
	var err error
	if t.th.Do(func() { err = f() }) != nil {
		return ErrClosed
	}
	return err
}

// Close implements [Capturer]: it stops the thread, releasing its state
// there. Idempotent.
func (t *onThread) Close() error {
	t.closeOnce.Do(func() {
		close(t.closing)
		t.th.Stop(t.release)
	})
	return nil
}
