//go:build darwin

package input

import (
	"fmt"
	"sync"
	"time"

	"github.com/tetherhq/tether/internal/quartz"
)

// The macOS backend posts CGEvents at the HID level through purego (no
// cgo). Only compiled here; it runs on a Mac. Keys go by macOS virtual
// keycode (macKeycodes), so they are the physical keys whatever the
// layout; text goes as Unicode keyboard events; modifiers travel as the
// flags of every event. macOS drops synthetic events without the
// Accessibility permission, which Open asks for and event calls re-check.
// Limits: secure input (password fields, the login window) ignores
// synthetic keys; media keys are not keyboard events on macOS.

func init() { register(BackendQuartz, 100, openQuartz) }

// layoutTTL is how long a display layout is trusted before MouseMove asks
// again (screens are plugged in and rearranged while a session runs).
const layoutTTL = 2 * time.Second

type quartzInjector struct {
	mu      sync.Mutex
	src     *quartz.EventSource
	gate    *quartz.Gate
	keys    map[string]uint16 // codes we pressed and hold → keycode
	buttons map[Button]bool
	clicks  clickCounter

	placed   []quartz.Placed
	placedAt time.Time
	pos      quartz.Point // where we last put the pointer, in points
	x, y     int          // the same in virtual-desktop pixels
	hasPos   bool

	closed bool
}

func openQuartz(*config) (Injector, error) {
	if err := quartz.Load(); err != nil {
		return nil, err
	}
	perms := quartz.System()
	if err := quartz.CheckAccessibility(perms); err != nil {
		return nil, err
	}
	src, err := quartz.NewEventSource()
	if err != nil {
		return nil, err
	}
	return &quartzInjector{src: src, keys: map[string]uint16{}, buttons: map[Button]bool{},
		gate: &quartz.Gate{P: perms, Interval: time.Second, Now: time.Now}}, nil
}

func (q *quartzInjector) Name() string { return BackendQuartz }

// lock takes the mutex unless closed, and refuses while macOS would drop
// the events (Accessibility revoked).
func (q *quartzInjector) lock() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	if err := q.gate.Check(); err != nil {
		q.mu.Unlock()
		return fmt.Errorf("input: %w", err)
	}
	return nil
}

func (q *quartzInjector) layout() []quartz.Placed {
	if q.placed == nil || time.Since(q.placedAt) > layoutTTL {
		if screens, err := quartz.ActiveScreens(); err == nil {
			q.placed, q.placedAt = quartz.Layout(screens), time.Now()
		}
	}
	return q.placed
}

func (q *quartzInjector) MouseMove(x, y int) error {
	if err := q.lock(); err != nil {
		return err
	}
	defer q.mu.Unlock()
	pt := quartz.ToPoint(q.layout(), x, y)
	typ, button := macMoveEvent(q.buttons)
	if err := q.src.Mouse(typ, pt, button, 0, macFlags(q.keys)); err != nil {
		return err
	}
	q.pos, q.x, q.y, q.hasPos = pt, x, y, true
	return nil
}

// position is where a click happens: where we moved the pointer, or where
// it is when we never moved it.
func (q *quartzInjector) position() quartz.Point {
	if !q.hasPos {
		if p, err := quartz.Cursor(); err == nil {
			return p
		}
	}
	return q.pos
}

func (q *quartzInjector) MouseButton(b Button, down bool) error {
	downType, upType, _, number, ok := macButton(b)
	if !ok {
		return fmt.Errorf("input: unknown mouse button %d", b)
	}
	if err := q.lock(); err != nil {
		return err
	}
	defer q.mu.Unlock()
	typ, clicks := upType, q.clicks.count(b)
	if down {
		typ, clicks = downType, q.clicks.press(b, q.x, q.y, time.Now())
	}
	if err := q.src.Mouse(typ, q.position(), number, clicks, macFlags(q.keys)); err != nil {
		return err
	}
	if down {
		q.buttons[b] = true
	} else {
		delete(q.buttons, b)
	}
	return nil
}

func (q *quartzInjector) Wheel(dx, dy int) error {
	if err := q.lock(); err != nil {
		return err
	}
	defer q.mu.Unlock()
	v, h := macWheelSteps(dy), macWheelSteps(dx)
	for i := range max(len(v), len(h)) {
		var sv, sh int32
		if i < len(v) {
			sv = v[i]
		}
		if i < len(h) {
			sh = h[i]
		}
		if err := q.src.Scroll(sv, sh, macFlags(q.keys)); err != nil {
			return err
		}
	}
	return nil
}

func (q *quartzInjector) Key(code string, down bool) error {
	def, ok := lookupCode(code)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownKey, code)
	}
	k, ok := macKeycodes[def.code]
	if !ok {
		return fmt.Errorf("%w: %q has no macOS keycode", ErrUnknownKey, code)
	}
	if err := q.lock(); err != nil {
		return err
	}
	defer q.mu.Unlock()
	if !down {
		if _, held := q.keys[def.code]; !held {
			return nil // never pressed by us: do not lift the local user's key
		}
		delete(q.keys, def.code)
		return q.src.Key(k, false, macFlags(q.keys))
	}
	q.keys[def.code] = k
	if err := q.src.Key(k, true, macFlags(q.keys)); err != nil {
		delete(q.keys, def.code)
		return err
	}
	return nil
}

func (q *quartzInjector) Text(s string) error {
	pieces := macTextPieces(normalizeText(s))
	if len(pieces) == 0 {
		return nil
	}
	if err := q.lock(); err != nil {
		return err
	}
	defer q.mu.Unlock()
	// Lift the modifiers we hold, so Command+text is not a shortcut, and
	// press them again afterwards.
	held := map[string]uint16{}
	for code, k := range q.keys {
		if modifierCodes[code] {
			held[code] = k
			delete(q.keys, code)
			if err := q.src.Key(k, false, macFlags(q.keys)); err != nil {
				return err
			}
		}
	}
	var err error
	for _, p := range pieces {
		if p.units == nil {
			if err = q.src.Key(p.key, true, 0); err == nil {
				err = q.src.Key(p.key, false, 0)
			}
		} else if err = q.src.Unicode(p.units, true); err == nil {
			err = q.src.Unicode(p.units, false)
		}
		if err != nil {
			break
		}
	}
	for code, k := range held {
		q.keys[code] = k
		if perr := q.src.Key(k, true, macFlags(q.keys)); err == nil {
			err = perr
		}
	}
	return err
}

func (q *quartzInjector) ReleaseAll() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	return q.releaseAll()
}

func (q *quartzInjector) releaseAll() error {
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	for code, k := range q.keys {
		delete(q.keys, code)
		if err := q.src.Key(k, false, macFlags(q.keys)); err != nil {
			keep(err)
		}
	}
	for b := range q.buttons {
		_, up, _, number, _ := macButton(b)
		delete(q.buttons, b)
		if err := q.src.Mouse(up, q.position(), number, q.clicks.count(b), 0); err != nil {
			keep(err)
		}
	}
	return first
}

func (q *quartzInjector) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	q.closed = true
	err := q.releaseAll()
	q.src.Close()
	return err
}
