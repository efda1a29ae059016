package capture

import (
	"time"
	"unsafe"
)

// poller runs a pollPlan for a backend without change notifications: the
// cheap activity check at every due time, and the decision to probe.
type poller struct {
	plan pollPlan
	act  activity
	next time.Time // when the next check is due
}

func newPoller() poller {
	// The state at open is the baseline, not "activity".
	return poller{plan: newPollPlan(), act: readActivity()}
}

// due reports whether a check is due at now.
func (p *poller) due(now time.Time) bool { return !now.Before(p.next) }

// check notes activity (injected: our own input backend just sent
// events) and reports whether a probe is due, and whether it should cover
// the whole display (while active, or when forced). When none is due it
// schedules the next check.
func (p *poller) check(now time.Time, force, injected bool) (probe, full bool) {
	if a := readActivity(); a != p.act || injected {
		p.act = a
		p.plan.activity(now)
	}
	if force || !now.Before(p.plan.nextGrab(now)) {
		return true, force || p.plan.isActive(now)
	}
	p.next = p.plan.nextCheck(now)
	return false, false
}

// probed records a probe (or a Grab) and schedules the next check.
func (p *poller) probed(now time.Time, changed bool) {
	p.plan.grabbed(now, changed)
	p.next = p.plan.nextCheck(now)
}

// activity is what Wait compares between checks to notice that the user
// (or the technician) is doing something, before any pixel changed.
type activity struct {
	cursor     winPoint
	shape      uintptr // cursor handle: hourglass, I-beam ...
	lastInput  uint32  // GetLastInputInfo tick, updated by injected input too
	foreground uintptr
}

func readActivity() activity {
	var a activity
	ci := cursorInfo{Size: uint32(unsafe.Sizeof(cursorInfo{}))}
	if r, _, _ := procGetCursorInfo.Call(uintptr(unsafe.Pointer(&ci))); r != 0 {
		a.cursor, a.shape = ci.Pos, ci.Cursor
	}
	lii := struct{ size, time uint32 }{size: 8}
	if r, _, _ := procGetLastInputInfo.Call(uintptr(unsafe.Pointer(&lii))); r != 0 {
		a.lastInput = lii.time
	}
	a.foreground, _, _ = procGetForegroundWindow.Call()
	return a
}
