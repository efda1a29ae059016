package input

import (
	"time"
	"unicode/utf16"

	"github.com/tetherhq/tether/internal/quartz"
)

// BackendQuartz is the macOS backend (quartz_darwin.go): CGEventPost at
// the HID level through purego, no cgo. This file holds its platform-
// independent parts, unit-tested everywhere.
const BackendQuartz = "quartz"

// ErrAccessibilityPermission is wrapped by Open and by event calls on
// macOS when Tether may not control the computer; its text tells the
// technician what to ask the customer to do.
var ErrAccessibilityPermission = quartz.ErrAccessibility

// macModifierFlags are the CGEventFlags a held modifier contributes: the
// side-independent mask apps test and the left/right bit real keyboards
// add.
var macModifierFlags = map[string]uint64{
	"ShiftLeft":    quartz.FlagShift | quartz.FlagLeftShift,
	"ShiftRight":   quartz.FlagShift | quartz.FlagRightShift,
	"ControlLeft":  quartz.FlagControl | quartz.FlagLeftControl,
	"ControlRight": quartz.FlagControl | quartz.FlagRightControl,
	"AltLeft":      quartz.FlagOption | quartz.FlagLeftOption,
	"AltRight":     quartz.FlagOption | quartz.FlagRightOption,
	"MetaLeft":     quartz.FlagCommand | quartz.FlagLeftCommand,
	"MetaRight":    quartz.FlagCommand | quartz.FlagRightCommand,
}

// macFlags is the flag word for the modifiers in held (codes). Synthetic
// events carry their flags explicitly; without them a held Shift would
// not reach the next key or click.
func macFlags(held map[string]uint16) uint64 {
	var f uint64
	for code := range held {
		f |= macModifierFlags[code]
	}
	return f
}

// macTextKeys types these characters as keys: a Return carried as a
// Unicode string is not a Return for most apps.
var macTextKeys = map[rune]uint16{'\n': 0x24, '\t': 0x30, '\b': 0x33}

// macTextPiece is one step of typing text: a key (Return, Tab, Delete) or
// a string of at most quartz.MaxUnicodeUnits UTF-16 units.
type macTextPiece struct {
	key   uint16
	units []uint16
}

// macTextPieces splits text for Unicode keyboard events, which carry at
// most 20 UTF-16 units each, never cutting a surrogate pair in two.
// Control characters other than macTextKeys cannot be typed and are
// dropped.
func macTextPieces(runes []rune) []macTextPiece {
	var out []macTextPiece
	var cur []uint16
	flush := func() {
		if len(cur) > 0 {
			out = append(out, macTextPiece{units: cur})
			cur = nil
		}
	}
	for _, r := range runes {
		if k, ok := macTextKeys[r]; ok {
			flush()
			out = append(out, macTextPiece{key: k})
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			continue
		}
		u := utf16.Encode([]rune{r})
		if len(cur)+len(u) > quartz.MaxUnicodeUnits {
			flush()
		}
		cur = append(cur, u...)
	}
	flush()
	return out
}

// macButton returns the Quartz event types and button number of b.
func macButton(b Button) (down, up, drag, number uint32, ok bool) {
	switch b {
	case ButtonLeft:
		return quartz.EventLeftMouseDown, quartz.EventLeftMouseUp, quartz.EventLeftMouseDragged, quartz.MouseButtonLeft, true
	case ButtonRight:
		return quartz.EventRightMouseDown, quartz.EventRightMouseUp, quartz.EventRightMouseDragged, quartz.MouseButtonRight, true
	case ButtonMiddle:
		return quartz.EventOtherMouseDown, quartz.EventOtherMouseUp, quartz.EventOtherMouseDragged, quartz.MouseButtonCenter, true
	case ButtonBack:
		return quartz.EventOtherMouseDown, quartz.EventOtherMouseUp, quartz.EventOtherMouseDragged, 3, true
	case ButtonForward:
		return quartz.EventOtherMouseDown, quartz.EventOtherMouseUp, quartz.EventOtherMouseDragged, 4, true
	}
	return 0, 0, 0, 0, false
}

// macMoveEvent is the event type for a pointer move: a drag of the
// first held button in Left, Right, other order, else a plain move.
func macMoveEvent(held map[Button]bool) (typ, number uint32) {
	for _, b := range []Button{ButtonLeft, ButtonRight, ButtonMiddle, ButtonBack, ButtonForward} {
		if held[b] {
			_, _, drag, n, _ := macButton(b)
			return drag, n
		}
	}
	return quartz.EventMouseMoved, quartz.MouseButtonLeft
}

// Multi-click detection: macOS counts clicks itself only for hardware
// events; a synthetic click carries its count (kCGMouseEventClickState),
// and without 2 on the second click apps see two single clicks.
const (
	macDoubleClickTime = 500 * time.Millisecond // macOS's default interval
	macDoubleClickSlop = 6                      // pixels the pointer may move
)

// clickCounter numbers presses: the same button pressed again soon and
// close by continues the count (double, triple click).
type clickCounter struct {
	button Button
	at     time.Time
	x, y   int
	n      int64
}

// press registers a press of b at x, y and returns its click count.
func (c *clickCounter) press(b Button, x, y int, now time.Time) int64 {
	if c.n > 0 && b == c.button && now.Sub(c.at) <= macDoubleClickTime &&
		abs(x-c.x) <= macDoubleClickSlop && abs(y-c.y) <= macDoubleClickSlop {
		c.n++
	} else {
		c.n = 1
	}
	c.button, c.at, c.x, c.y = b, now, x, y
	return c.n
}

// count is the click count a release of b carries: that of its press.
func (c *clickCounter) count(b Button) int64 {
	if b == c.button && c.n > 0 {
		return c.n
	}
	return 1
}

func abs(v int) int { return max(v, -v) }

// macWheelSteps splits a wheel amount into events of at most 10 lines
// each (Quartz documents about ±10 as the usual range of one event) with
// Quartz's sign: positive means up (vertical) or left (horizontal), the
// opposite of Injector.Wheel.
func macWheelSteps(n int) []int32 {
	n = -clampNotches(n)
	var out []int32
	for n != 0 {
		s := max(-10, min(10, n))
		out = append(out, int32(s))
		n -= s
	}
	return out
}
