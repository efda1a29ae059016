package stream

import (
	"context"
	"time"
)

// Waiting for the screen to change.
//
// A source that cannot tell when the screen changes (the screenshot
// backend: its Wait sleeps and reports true) is looked at once per frame
// interval. One that can (capture.ChangeDetector: XDamage, GDI's own probe
// schedule, DXGI) ends the wait itself when something changes, so the loop
// waits for it until the next task of its own is due — the display-list
// check every listEvery, a refinement refineAfter after the last frame —
// instead of waking ~30 times a second on a static screen; under Wine each
// of those wake-ups cost more than the capture's own probes. Events from
// other goroutines (acks, pause, refresh, a display switch, the cursor)
// end such a wait at once: notify cancels it.

// waitTimeout is how long step may wait for the source at now, and
// whether that is a long (wakeable) wait.
func (s *Sender) waitTimeout(now time.Time, interval time.Duration) (time.Duration, bool) {
	short := min(max(interval, 16*time.Millisecond), 100*time.Millisecond)
	if !s.detects {
		return short, false
	}
	next := s.lastList.Add(listEvery)
	if s.enc.Lossy() {
		next = minTime(next, s.lastFrame.Add(refineAfter))
	}
	if d := next.Sub(now); d > short {
		return d, true
	}
	return short, false
}

// waitSource waits for the source; a long wait also ends, reporting no
// change, when notify is called (or was since the loop took its events).
func (s *Sender) waitSource(ctx context.Context, timeout time.Duration, long bool) (bool, error) {
	if !long {
		return s.cfg.Source.Wait(ctx, timeout)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.waitMu.Lock()
	s.cancelWait = cancel
	s.waitMu.Unlock()
	defer func() {
		s.waitMu.Lock()
		s.cancelWait = nil
		s.waitMu.Unlock()
	}()
	select {
	case <-s.wake: // an event came after the loop took the last ones
		return false, nil
	default:
	}
	changed, err := s.cfg.Source.Wait(wctx, timeout)
	if err != nil && ctx.Err() == nil && wctx.Err() != nil {
		return false, nil // woken by an event, not a failure
	}
	return changed, err
}

// wakeWait ends a long wait in progress (called by notify).
func (s *Sender) wakeWait() {
	s.waitMu.Lock()
	defer s.waitMu.Unlock()
	if s.cancelWait != nil {
		s.cancelWait()
		s.cancelWait = nil
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
