package capture

import (
	"context"
	"fmt"
	"time"

	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"
)

// initRandR negotiates RandR and records the minor version; layout queries
// and screen-change notifications depend on it. Failure is not fatal.
func (x *xshmCapturer) initRandR() {
	x.randrMinor = -1
	if err := randr.Init(x.conn); err != nil {
		x.log.Debug("RandR unavailable, the root window is the only display", "err", err)
		return
	}
	ver, err := randr.QueryVersion(x.conn, 1, 5).Reply()
	if err != nil || ver.MajorVersion != 1 {
		x.log.Debug("RandR version negotiation failed", "err", err)
		return
	}
	x.randrMinor = int(ver.MinorVersion)
}

// initNotifications subscribes to the events that drive Wait and layout
// refreshes. Each part is optional: without XDamage, Wait degrades to a
// sleep that always reports a change, which is still correct, only slower.
func (x *xshmCapturer) initNotifications() {
	// StructureNotify on the root gives ConfigureNotify on resize even
	// without RandR (e.g. Xvnc without RandR).
	xproto.ChangeWindowAttributes(x.conn, x.root, xproto.CwEventMask,
		[]uint32{xproto.EventMaskStructureNotify})
	if x.randrMinor >= 2 {
		randr.SelectInput(x.conn, x.root,
			randr.NotifyMaskScreenChange|randr.NotifyMaskCrtcChange|randr.NotifyMaskOutputChange)
	}
	if err := x.initDamage(); err != nil {
		x.log.Warn("XDamage unavailable, Wait will poll", "err", err)
		return
	}
	x.hasDamage = true
}

// initDamage creates one NonEmpty damage object on the root window. NonEmpty
// sends a single event when the damaged region goes from empty to non-empty,
// and nothing more until Wait subtracts (clears) it: exactly the "something
// changed" edge trigger we need, with no per-rectangle event flood while a
// video plays. Exact rects come from the Differ instead.
func (x *xshmCapturer) initDamage() error {
	// Damage 1.1 is defined on top of XFixes regions, and servers expect
	// the client to have announced its XFixes version before using them.
	if err := xfixes.Init(x.conn); err != nil {
		return fmt.Errorf("XFixes: %w", err)
	}
	if _, err := xfixes.QueryVersion(x.conn, 5, 0).Reply(); err != nil {
		return fmt.Errorf("XFixes QueryVersion: %w", err)
	}
	if err := damage.Init(x.conn); err != nil {
		return fmt.Errorf("DAMAGE: %w", err)
	}
	// The server rejects every other Damage request until the version is
	// negotiated.
	if _, err := damage.QueryVersion(x.conn, 1, 1).Reply(); err != nil {
		return fmt.Errorf("DAMAGE QueryVersion: %w", err)
	}
	id, err := damage.NewDamageId(x.conn)
	if err != nil {
		return fmt.Errorf("allocate damage id: %w", err)
	}
	if err := damage.CreateChecked(x.conn, id, xproto.Drawable(x.root), damage.ReportLevelNonEmpty).Check(); err != nil {
		return fmt.Errorf("DAMAGE Create: %w", err)
	}
	x.damage = id
	return nil
}

// eventLoop drains the X event queue for the life of the connection. It
// turns damage and layout events into the dirty/layoutChanged flags and
// closes done when the connection ends (Close or server gone).
func (x *xshmCapturer) eventLoop() {
	defer close(x.done)
	for {
		ev, xerr := x.conn.WaitForEvent()
		switch e := ev.(type) {
		case nil:
			if xerr == nil {
				return // connection closed
			}
			// Errors of unchecked requests (Subtract, Detach) land here;
			// they are not actionable but worth seeing when debugging.
			x.log.Debug("asynchronous X error", "err", xerr)
			continue
		case damage.NotifyEvent:
			// handled below
		case randr.ScreenChangeNotifyEvent, randr.NotifyEvent:
			x.layoutChanged.Store(true)
		case xproto.ConfigureNotifyEvent:
			if e.Window != x.root {
				continue
			}
			x.layoutChanged.Store(true)
		default:
			continue
		}
		x.markDirty()
	}
}

// markDirty records a pending change without blocking: one pending change
// is enough, however many events arrive before the next Wait.
func (x *xshmCapturer) markDirty() {
	select {
	case x.dirty <- struct{}{}:
	default:
	}
}

// DetectsChanges implements [ChangeDetector]: XDamage tells, when the
// server has it.
func (x *xshmCapturer) DetectsChanges() bool { return x.hasDamage }

// Wait implements [Capturer].
func (x *xshmCapturer) Wait(ctx context.Context, timeout time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	select {
	case <-x.closing:
		return false, ErrClosed
	case <-x.done:
		return false, errConnLost
	default:
	}
	if !x.hasDamage {
		return sleepCtx(ctx, timeout)
	}
	// Fast path, also the whole answer for timeout <= 0 (a poll).
	select {
	case <-x.dirty:
		x.rearm()
		return true, nil
	default:
	}
	if timeout <= 0 {
		return false, nil
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-x.dirty:
		x.rearm()
		return true, nil
	case <-t.C:
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	case <-x.closing:
		return false, ErrClosed
	case <-x.done:
		return false, errConnLost
	}
}

// rearm clears the damage region so the server sends a new event on the
// next change. It runs before the caller's Grab, so a change racing with
// the Grab raises a fresh event instead of being lost.
func (x *xshmCapturer) rearm() {
	// Unchecked and reply-less: it costs one write, no round trip.
	damage.Subtract(x.conn, x.damage, xfixes.Region(0), xfixes.Region(0))
}
