package winapi

import (
	"sync"
	"sync/atomic"
)

// Beacon wakes every goroutine waiting on it, each time Notify is called,
// and counts the calls so that one that happened while nobody waited is not
// lost (compare Seq with the value seen last).
type Beacon struct {
	seq atomic.Uint64
	mu  sync.Mutex
	ch  chan struct{}
}

// Seq returns the number of Notify calls so far.
func (b *Beacon) Seq() uint64 { return b.seq.Load() }

// C returns a channel that is closed at the next Notify.
func (b *Beacon) C() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

// Notify wakes the current waiters. Cheap when nobody waits.
func (b *Beacon) Notify() {
	b.seq.Add(1)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}

// Injected is notified by the Windows input backend after each batch of
// injected events. A capturer without change notifications (GDI) listens
// to it to look at the screen at once and at full rate while the
// technician types or clicks, instead of finding out at its idle poll rate.
var Injected Beacon
