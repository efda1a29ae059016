package capture

import (
	"context"
	"log/slog"
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

// waitBegins is how each backend's Wait starts: an ended ctx or a closed
// capturer is an error, and first is true once, for the first Wait.
func (t *onThread) waitBegins(ctx context.Context) (first bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	select {
	case <-t.closing:
		return false, ErrClosed
	default:
	}
	return t.first.Swap(false), nil
}

// displays implements [Capturer.Displays] for a backend whose state
// refreshes its list on the capture thread.
func (t *onThread) displays(refresh func() error, list *[]Display) ([]Display, error) {
	var ds []Display
	err := t.do(func() error {
		if err := refresh(); err != nil {
			return err
		}
		ds = append([]Display(nil), *list...)
		return nil
	})
	return ds, err
}

// primary is the index of the primary display (0 when none says so).
func primary(ds []Display) int {
	for i, d := range ds {
		if d.Primary {
			return i
		}
	}
	return 0
}

// followDesktop moves the capture thread to the input desktop when it
// changed (the logon screen, a UAC prompt) and reports whether it did;
// an unreachable desktop is logged and leaves the thread where it is.
func followDesktop(desk *winapi.DesktopFollower, log *slog.Logger) bool {
	switched, err := desk.Follow()
	if err != nil {
		log.Debug("capture: input desktop not reachable", "err", err)
		return false
	}
	if switched {
		log.Info("capture: following the input desktop", "desktop", desk.Name())
	}
	return switched
}
