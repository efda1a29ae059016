package capture

import (
	"bytes"
	"time"
)

// This file holds the OS-independent half of change detection for backends
// without change notifications (GDI on Windows): comparing a fresh grab
// with the last frame, and deciding when to grab at all.

// sparseRowStep is the stride of the first, sparse pass of sameFrame.
const sparseRowStep = 8

// sameFrame reports whether two frames of rowBytes x h (at stride) hold the
// same pixels. It first compares every 8th row, so that most real changes
// (a window opening, text scrolling) end the scan after 1/8 of the work,
// then the rows in between; an unchanged screen costs one full pass,
// ~0.2 ms for 1080p.
func sameFrame(a, b []byte, stride, rowBytes, h int) bool {
	row := func(y int) bool {
		o := y * stride
		return bytes.Equal(a[o:o+rowBytes], b[o:o+rowBytes])
	}
	for y := 0; y < h; y += sparseRowStep {
		if !row(y) {
			return false
		}
	}
	for y := range h {
		if y%sparseRowStep != 0 && !row(y) {
			return false
		}
	}
	return true
}

// pollPlan decides when a polling backend grabs the screen to look for
// changes. A grab costs far more than asking Windows whether the cursor
// moved or input arrived, so the plan has two speeds:
//
//   - active: for activeFor after input, a cursor or focus change, or a
//     change found by the previous grab, grab every active (the frame
//     rate the viewer is served at);
//   - idle: otherwise grab every idle, which still catches changes nobody
//     typed for (a clock, a progress bar, a video) within that delay.
//
// Activity checks are cheap, but not free: under Wine every check and
// every wake-up of the capture thread costs round trips to wineserver, so
// while idle they run every idleCheck. Input injected by the agent itself
// does not wait for a check: the Windows input backend signals it
// (winapi.Injected) and the next probe follows at once, so idleCheck only
// bounds how soon the customer's own activity switches to the fast rate.
type pollPlan struct {
	active, idle, idleCheck, activeFor time.Duration

	lastGrab     time.Time // last full grab (probe or Grab)
	lastActivity time.Time // last input, cursor/focus change or seen change
}

// Default poll plan: 30 grabs/s while something happens; when quiet,
// activity checks and grabs 4/s, together (one wake-up for both).
const (
	pollActive    = 33 * time.Millisecond
	pollIdle      = 250 * time.Millisecond
	pollIdleCheck = 250 * time.Millisecond
	pollActiveFor = 2 * time.Second
)

func newPollPlan() pollPlan {
	return pollPlan{active: pollActive, idle: pollIdle, idleCheck: pollIdleCheck, activeFor: pollActiveFor}
}

// activity records input or another sign that the screen may change.
func (p *pollPlan) activity(now time.Time) { p.lastActivity = now }

// grabbed records a full grab and whether it differed from the last frame.
func (p *pollPlan) grabbed(now time.Time, changed bool) {
	p.lastGrab = now
	if changed {
		p.lastActivity = now
	}
}

// isActive reports whether the fast rate applies at now.
func (p *pollPlan) isActive(now time.Time) bool {
	return !p.lastActivity.IsZero() && now.Sub(p.lastActivity) < p.activeFor
}

// nextGrab is when the next full grab is due.
func (p *pollPlan) nextGrab(now time.Time) time.Time {
	if p.lastGrab.IsZero() {
		return now
	}
	if p.isActive(now) {
		return p.lastGrab.Add(p.active)
	}
	return p.lastGrab.Add(p.idle)
}

// nextCheck is when Wait should wake next: for the grab, or for the next
// activity check, whichever comes first.
func (p *pollPlan) nextCheck(now time.Time) time.Time {
	every := p.idleCheck
	if p.isActive(now) {
		every = p.active
	}
	return minTime(p.nextGrab(now), now.Add(every))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
