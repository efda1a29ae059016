package agent

import (
	"fmt"
	"log/slog"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
)

var procSendSAS = windows.NewLazySystemDLL("sas.dll").NewProc("SendSAS")

// helperSAS is set in a view helper whose service handed it a SAS event
// (ViewHelperJob.SASEvent): the helper serves the view in the user's
// session but is not a service, so SendSAS would fail there; it asks its
// service instead.
var helperSAS atomic.Pointer[func() error]

// secureAttention raises the secure attention sequence (what Ctrl+Alt+Del
// does at a real keyboard): in a view helper by asking its service, in a
// service through sas.dll's SendSAS(FALSE) — allowed for a service running
// as LocalSystem (and where the SoftwareSASGeneration policy permits it).
// Elsewhere it fails and the keys are injected as usual. SendSAS itself is
// only compiled here (Wine has no sas.dll); the hand-over from helper to
// service runs under Wine (TestSASRelay).
func secureAttention() error {
	if ask := helperSAS.Load(); ask != nil {
		return (*ask)()
	}
	return sendSAS()
}

func sendSAS() error {
	if err := procSendSAS.Find(); err != nil {
		return err
	}
	if isService, err := svc.IsWindowsService(); err != nil || !isService {
		return fmt.Errorf("SendSAS needs a service")
	}
	procSendSAS.Call(0) // void SendSAS(BOOL AsUser)
	return nil
}

// useServiceSAS makes this view helper ask its service for the secure
// attention sequence by setting ev, the event the service made inheritable
// for it.
func useServiceSAS(ev uint64) {
	if ev == 0 {
		return
	}
	ask := func() error { return windows.SetEvent(windows.Handle(ev)) }
	helperSAS.Store(&ask)
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
