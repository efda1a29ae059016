//go:build darwin

package quartz

import (
	"errors"
	"fmt"
)

const (
	stateHIDSystem    = 1 // kCGEventSourceStateHIDSystemState
	tapHID            = 0 // kCGHIDEventTap: as if from the hardware
	scrollUnitLine    = 1 // kCGScrollEventUnitLine
	fieldClickState   = 1 // kCGMouseEventClickState
	fieldButtonNumber = 3 // kCGMouseEventButtonNumber
)

// EventSource posts synthetic input events at the HID level, where they
// act like the real keyboard and mouse (and reach every app). macOS drops
// them silently without the Accessibility permission.
type EventSource struct{ src uintptr }

// NewEventSource creates a source sharing the hardware's modifier state.
func NewEventSource() (*EventSource, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	src := cg.eventSourceCreate(stateHIDSystem)
	if src == 0 {
		return nil, errors.New("quartz: CGEventSourceCreate failed")
	}
	return &EventSource{src: src}, nil
}

// Close releases the source.
func (s *EventSource) Close() {
	if s.src != 0 {
		cg.cfRelease(s.src)
		s.src = 0
	}
}

func (s *EventSource) post(ev uintptr, what string, flags uint64) error {
	if ev == 0 {
		return fmt.Errorf("quartz: could not create a %s event", what)
	}
	cg.eventSetFlags(ev, flags)
	cg.eventPost(tapHID, ev)
	cg.cfRelease(ev)
	return nil
}

// Key posts a key press or release by macOS virtual keycode (kVK_*), with
// the modifier flags in effect.
func (s *EventSource) Key(keycode uint16, down bool, flags uint64) error {
	return s.post(cg.eventCreateKeyboard(s.src, keycode, down), "keyboard", flags)
}

// Unicode posts a key event that types units (at most MaxUnicodeUnits
// UTF-16 units) whatever the keyboard layout.
func (s *EventSource) Unicode(units []uint16, down bool) error {
	if len(units) == 0 || len(units) > MaxUnicodeUnits {
		return fmt.Errorf("quartz: %d UTF-16 units in one event", len(units))
	}
	ev := cg.eventCreateKeyboard(s.src, 0, down)
	if ev != 0 {
		cg.eventSetUnicodeString(ev, uint(len(units)), &units[0])
	}
	return s.post(ev, "text", 0)
}

// Mouse posts a mouse event of type typ at (global points); clickState is
// 1 for a single click, 2 for the second click of a double click, …
func (s *EventSource) Mouse(typ uint32, at Point, button uint32, clickState int64, flags uint64) error {
	ev := cg.eventCreateMouse(s.src, typ, at, button)
	if ev != 0 && clickState > 0 {
		cg.eventSetIntegerField(ev, fieldClickState, clickState)
	}
	if ev != 0 && button > MouseButtonCenter {
		cg.eventSetIntegerField(ev, fieldButtonNumber, int64(button))
	}
	return s.post(ev, "mouse", flags)
}

// Scroll posts one wheel event in lines: vertical > 0 scrolls up,
// horizontal > 0 scrolls left (Quartz's directions).
func (s *EventSource) Scroll(vertical, horizontal int32, flags uint64) error {
	return s.post(cg.eventCreateScroll2(s.src, scrollUnitLine, 2, vertical, horizontal, 0), "scroll", flags)
}

// Cursor returns the pointer position in global points.
func Cursor() (Point, error) {
	if err := Load(); err != nil {
		return Point{}, err
	}
	ev := cg.eventCreate(0)
	if ev == 0 {
		return Point{}, errors.New("quartz: CGEventCreate failed")
	}
	defer cg.cfRelease(ev)
	return cg.eventGetLocation(ev), nil
}
