package agent

import (
	"fmt"
	"log/slog"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/tetherhq/tether/input"
)

// Ctrl+Alt+Del on a service jump client: the input package turns the
// viewer's chord into the secure attention sequence, which only a
// LocalSystem service may raise (input.SendSecureAttention). The view
// helper that injects in the user's session is not a service, so it asks
// its service through an event the service made inheritable for it
// (useServiceSAS, sasRelay). SendSAS itself only compiles here (Wine has
// no sas.dll); the hand-over runs under Wine (TestSASRelay).

// useServiceSAS makes this view helper ask its service for the secure
// attention sequence by setting ev, the event it inherited.
func useServiceSAS(ev uint64) {
	if ev == 0 {
		return
	}
	input.SecureAttentionVia(func() error { return windows.SetEvent(windows.Handle(ev)) })
}

// sasRelay is the service's side: an auto-reset event the view helper
// inherits and sets; each time it is set, the service raises the sequence.
// Only the helper (started by the service, which holds the handle) and
// the service can reach an unnamed event.
type sasRelay struct {
	ev, stop windows.Handle
	done     chan struct{}
}

func newSASRelay(raise func() error, log *slog.Logger) (*sasRelay, error) {
	sa := &windows.SecurityAttributes{InheritHandle: 1}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	ev, err := windows.CreateEvent(sa, 0, 0, nil)
	if err != nil {
		return nil, fmt.Errorf("SAS event: %w", err)
	}
	stop, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		windows.CloseHandle(ev)
		return nil, fmt.Errorf("SAS event: %w", err)
	}
	r := &sasRelay{ev: ev, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for {
			w, err := windows.WaitForMultipleObjects([]windows.Handle{r.stop, r.ev}, false, windows.INFINITE)
			if err != nil || w != windows.WAIT_OBJECT_0+1 {
				return
			}
			if err := raise(); err != nil {
				log.Warn("Ctrl+Alt+Del: the secure attention sequence failed", "err", err)
			} else {
				log.Info("Ctrl+Alt+Del: secure attention sequence raised for the view helper")
			}
		}
	}()
	return r, nil
}

// Handle is the event's handle value, the same in the helper that
// inherits it.
func (r *sasRelay) Handle() uint64 { return uint64(r.ev) }

// Close stops the relay; the helper's copy of the handle closes with it.
func (r *sasRelay) Close() {
	windows.SetEvent(r.stop)
	<-r.done
	windows.CloseHandle(r.ev)
	windows.CloseHandle(r.stop)
}
