package ui

import (
	"image"
	"slices"
	"time"
)

// widget names the things in the X11 window the customer can point at or
// focus.
type widget int

const (
	wNone widget = iota
	wCodeEntry
	wAllow // also the code prompt's OK
	wDeny
	wPause
	wStop
	wEnd
	wChatLog
	wChatEntry
	wSend
)

// focusOrder is the Tab order: the question first, then the controls,
// then the chat.
var focusOrder = []widget{wCodeEntry, wDeny, wAllow, wPause, wStop, wEnd, wChatEntry, wSend}

// view is the X11 window's own state: what the model does not know
// (pointer, focus, typed text, scrolling). Only the window's loop
// goroutine touches it.
type view struct {
	scale   float64
	hover   widget
	pressed widget
	focus   widget
	code    entry
	chat    entry

	// chatScroll is how far (device px) the history is scrolled up from
	// its end; chatMax is the most it can be, from the last layout.
	chatScroll, chatMax int
	// seen counts the chat messages the customer has had in view.
	seen int
	// focused: the window has the keyboard focus.
	focused bool
	caretOn bool

	// promptID and promptKind are the question on screen, so a new one
	// resets the entry and the focus.
	promptID   uint64
	promptKind promptKind

	now func() time.Time

	// rects and enabled are the hit areas of the last render.
	rects   map[widget]image.Rectangle
	enabled map[widget]bool
}

func newView(scale float64) *view {
	return &view{scale: scale, caretOn: true, now: time.Now,
		rects: map[widget]image.Rectangle{}, enabled: map[widget]bool{}}
}

// sync adapts the view to a new snapshot before it is drawn: a new
// security-code question clears the entry and takes the focus; a consent
// question never takes the focus, so that a stray Enter cannot allow
// control.
func (v *view) sync(s *snapshot) {
	var id uint64
	var kind promptKind
	if s.prompt != nil {
		id, kind = s.prompt.id, s.prompt.kind
	}
	if id != v.promptID {
		if kind == promptCode {
			v.code = entry{}
			v.focus = wCodeEntry
		} else if v.focus == wCodeEntry || v.focus == wAllow || v.focus == wDeny {
			v.focus = wNone
		}
		v.promptID, v.promptKind = id, kind
	}
	if v.focused && v.chatScroll == 0 {
		v.seen = len(s.chat)
	}
}

// unread counts the technician's messages the customer has not had in
// view.
func (v *view) unread(s *snapshot) int {
	n := 0
	for _, c := range s.chat[min(v.seen, len(s.chat)):] {
		if c.FromTechnician {
			n++
		}
	}
	return n
}

// at returns the enabled widget under the device point pt.
func (v *view) at(pt image.Point) widget {
	for w, r := range v.rects {
		if pt.In(r) && v.enabled[w] {
			return w
		}
	}
	return wNone
}

// nextFocus moves the focus to the next (or previous) enabled widget.
func (v *view) nextFocus(back bool) {
	var ws []widget
	for _, w := range focusOrder {
		if v.enabled[w] {
			ws = append(ws, w)
		}
	}
	if len(ws) == 0 {
		v.focus = wNone
		return
	}
	i := slices.Index(ws, v.focus)
	switch {
	case i < 0 && back:
		i = len(ws) - 1
	case i < 0:
		i = 0
	case back:
		i = (i + len(ws) - 1) % len(ws)
	default:
		i = (i + 1) % len(ws)
	}
	v.focus = ws[i]
}

// focusedEntry returns the entry that has the focus, if any.
func (v *view) focusedEntry() *entry {
	switch v.focus {
	case wCodeEntry:
		return &v.code
	case wChatEntry:
		return &v.chat
	}
	return nil
}
