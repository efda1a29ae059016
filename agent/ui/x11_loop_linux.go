package ui

import (
	"image"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// poke asks the loop to redraw (the model changed); it never blocks.
func (w *x11Window) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// read forwards X events to the loop. It must keep draining: xgb stalls
// every reply while its event queue is full.
func (w *x11Window) read(events chan<- xgb.Event, lost chan<- error) {
	for {
		ev, err := w.conn.WaitForEvent()
		switch {
		case ev == nil && err == nil:
			lost <- errConnLost
			return
		case err != nil:
			// An error of an unchecked request (a PutImage racing a
			// destroy): nothing the customer can act on.
			w.model.log.Debug("ui: X error", "err", err)
			continue
		}
		if m, ok := ev.(xproto.MappingNotifyEvent); ok && m.Request != xproto.MappingPointer {
			// Reloaded here rather than in the loop, which may be busy
			// drawing: xdotool and input methods map a character onto a
			// spare keycode just to type it and remove it right after.
			// The reload must see the mapping the next key press used.
			km, err := loadKeymap(w.conn)
			if err != nil {
				w.model.log.Debug("ui: reload keymap", "err", err)
				continue
			}
			ev = keymapEvent{km}
		}
		select {
		case events <- ev:
		case <-w.readerStop:
			return
		}
	}
}

// keymapEvent carries a reloaded keyboard mapping to the loop, in order
// with the key events.
type keymapEvent struct{ km *keymap }

func (keymapEvent) Bytes() []byte  { return nil }
func (keymapEvent) String() string { return "keymap reloaded" }

// loop owns the view: it handles X events, redraws on model changes and
// blinks the caret, until the window is closed.
func (w *x11Window) loop(events <-chan xgb.Event, lost <-chan error) {
	defer close(w.loopDone)
	defer close(w.readerStop)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	lastBlink := time.Now()
	w.redraw()
	for {
		dirty := false
		select {
		case ev := <-events:
			// Handle what is queued before drawing once: a burst of
			// motion or typed keys costs one redraw, not one each.
			for ev != nil {
				d, closed := w.handle(ev)
				if closed {
					w.destroy(true)
					return
				}
				dirty = dirty || d
				select {
				case ev = <-events:
				default:
					ev = nil
				}
			}
		case err := <-lost:
			w.model.log.Warn("ui: customer window lost", "err", err)
			w.conn.Close()
			w.model.closedByCustomer()
			return
		case <-w.wake:
			dirty = true
		case now := <-tick.C:
			if blinkInterval > 0 && now.Sub(lastBlink) >= blinkInterval && w.v.focused && w.v.focusedEntry() != nil {
				w.v.caretOn, lastBlink, dirty = !w.v.caretOn, now, true
			}
			// A question with a timeout counts down.
			if s := w.model.snapshot(); s.prompt != nil && !s.prompt.deadline.IsZero() {
				dirty = true
			}
		case f := <-w.inspect:
			f()
		case <-w.closeReq:
			w.destroy(false)
			return
		}
		if dirty {
			w.redraw()
		}
	}
}

// onLoop runs f on the loop goroutine, after the events before it; false
// when the window is gone.
func (w *x11Window) onLoop(f func()) bool {
	done := make(chan struct{})
	select {
	case w.inspect <- func() { f(); close(done) }:
		<-done
		return true
	case <-w.loopDone:
		return false
	}
}

// destroy removes the window and ends the model.
func (w *x11Window) destroy(byCustomer bool) {
	xproto.DestroyWindow(w.conn, w.win)
	xproto.GetInputFocus(w.conn).Reply() // flush: the window is gone before Close returns
	w.conn.Close()
	w.model.shutdown(byCustomer)
}

// Close implements Window.
func (w *x11Window) Close() error {
	w.closeOnce.Do(func() { close(w.closeReq) })
	<-w.loopDone
	w.model.shutdown(false)
	return nil
}

// redraw renders a snapshot and uploads it.
func (w *x11Window) redraw() {
	s := w.model.snapshot()
	w.img = w.r.render(&s)
	w.put(w.img, w.img.Bounds())
	urgent := !w.v.focused && w.v.unread(&s) > 0
	if urgent != w.urgent {
		w.urgent = urgent
		w.setWMHints(urgent)
	}
}

// put uploads rect of img in the server's 32-bit pixel format, in as many
// PutImage requests as the maximum request length needs.
func (w *x11Window) put(img *image.RGBA, rect image.Rectangle) {
	width := rect.Dx()
	rows := max(1, (w.maxReq-24)/(4*width))
	for y0 := rect.Min.Y; y0 < rect.Max.Y; y0 += rows {
		y1 := min(rect.Max.Y, y0+rows)
		n := 4 * width * (y1 - y0)
		if cap(w.buf) < n {
			w.buf = make([]byte, n)
		}
		b := w.buf[:n]
		i := 0
		for y := y0; y < y1; y++ {
			src := img.Pix[img.PixOffset(rect.Min.X, y):]
			for x := 0; x < width; x++ {
				r, g, bl := src[4*x], src[4*x+1], src[4*x+2]
				if w.msb {
					b[i], b[i+1], b[i+2], b[i+3] = 0, r, g, bl
				} else {
					b[i], b[i+1], b[i+2], b[i+3] = bl, g, r, 0
				}
				i += 4
			}
		}
		xproto.PutImage(w.conn, xproto.ImageFormatZPixmap, xproto.Drawable(w.win), w.gc,
			uint16(width), uint16(y1-y0), int16(rect.Min.X), int16(y0), 0, w.depth, b)
	}
}

// handle applies one X event; it reports whether to redraw and whether
// the customer closed the window.
func (w *x11Window) handle(ev xgb.Event) (dirty, closed bool) {
	v := w.v
	switch e := ev.(type) {
	case xproto.ExposeEvent:
		if e.Count == 0 && w.img != nil {
			w.put(w.img, w.img.Bounds())
		}
	case xproto.ClientMessageEvent:
		if e.Type != w.atoms.wmProtocols {
			return false, false
		}
		switch xproto.Atom(e.Data.Data32[0]) {
		case w.atoms.wmDeleteWindow:
			return false, true
		case w.atoms.netWmPing:
			// Answer the window manager's "are you alive" to the root.
			e.Window = w.root
			xproto.SendEvent(w.conn, false, w.root,
				xproto.EventMaskSubstructureNotify|xproto.EventMaskSubstructureRedirect, string(e.Bytes()))
		}
	case xproto.DestroyNotifyEvent:
		// Someone else destroyed the window (xkill, a session manager).
		return false, e.Window == w.win
	case xproto.FocusInEvent:
		if e.Mode != xproto.NotifyModeGrab && e.Mode != xproto.NotifyModeUngrab {
			v.focused, v.caretOn = true, true
			return true, false
		}
	case xproto.FocusOutEvent:
		if e.Mode != xproto.NotifyModeGrab && e.Mode != xproto.NotifyModeUngrab && e.Detail != xproto.NotifyDetailInferior {
			v.focused = false
			return true, false
		}
	case xproto.MotionNotifyEvent:
		w.lastTime = e.Time
		h := v.at(image.Pt(int(e.EventX), int(e.EventY)))
		if h != v.hover {
			v.hover = h
			return true, false
		}
	case xproto.LeaveNotifyEvent:
		if v.hover != wNone {
			v.hover = wNone
			return true, false
		}
	case xproto.ButtonPressEvent:
		w.lastTime = e.Time
		return w.buttonPress(e), false
	case xproto.ButtonReleaseEvent:
		w.lastTime = e.Time
		return w.buttonRelease(e), false
	case xproto.KeyPressEvent:
		w.lastTime = e.Time
		return w.key(e), false
	case keymapEvent:
		w.km = e.km
	case xproto.SelectionNotifyEvent:
		return w.pasted(e), false
	}
	return false, false
}

// buttonPress handles clicks: entries take the focus and place the caret,
// buttons show pressed until release, the wheel scrolls the chat.
func (w *x11Window) buttonPress(e xproto.ButtonPressEvent) bool {
	v := w.v
	pt := image.Pt(int(e.EventX), int(e.EventY))
	if !v.focused {
		// Without a window manager (or with a focus-follows-click one that
		// leaves it to us) a click must bring the keyboard here.
		xproto.SetInputFocus(w.conn, xproto.InputFocusParent, w.win, e.Time)
	}
	hit := v.at(pt)
	switch e.Detail {
	case 1:
		v.pressed = hit
		if en := w.entryOf(hit); en != nil {
			v.focus = hit
			en.cur = w.r.caretAt(hit, en, pt.X)
			v.caretOn = true
		}
		return true
	case 2: // paste the primary selection, as X users expect
		if w.entryOf(hit) != nil {
			v.focus = hit
			w.requestPaste(hit, xproto.AtomPrimary, e.Time)
		}
	case 4, 5:
		if pt.In(v.rects[wChatLog]) {
			step := int(48 * v.scale)
			if e.Detail == 5 {
				step = -step
			}
			v.chatScroll = min(v.chatMax, max(0, v.chatScroll+step))
			return true
		}
	}
	return false
}

func (w *x11Window) buttonRelease(e xproto.ButtonReleaseEvent) bool {
	v := w.v
	if e.Detail != 1 || v.pressed == wNone {
		return false
	}
	p := v.pressed
	v.pressed = wNone
	if v.at(image.Pt(int(e.EventX), int(e.EventY))) == p {
		w.activate(p)
	}
	return true
}

// entryOf returns the text field of widget wd, if it is one and enabled.
func (w *x11Window) entryOf(wd widget) *entry {
	if !w.v.enabled[wd] {
		return nil
	}
	switch wd {
	case wCodeEntry:
		return &w.v.code
	case wChatEntry:
		return &w.v.chat
	}
	return nil
}

// activate performs a button (or Enter in a field).
func (w *x11Window) activate(wd widget) {
	v, m := w.v, w.model
	if !v.enabled[wd] {
		return
	}
	switch wd {
	case wPause:
		if m.snapshot().state.Phase == PhasePaused {
			m.resume()
		} else {
			m.pause()
		}
	case wStop:
		m.stopSharing()
	case wEnd:
		m.askEnd()
	case wAllow, wCodeEntry:
		if v.promptKind == promptCode {
			m.submitCode(v.promptID, v.code.String())
		} else if wd == wAllow {
			m.resolve(v.promptID, answer{ok: true})
		}
	case wDeny:
		m.resolve(v.promptID, answer{ok: false})
	case wSend, wChatEntry:
		if m.sendChat(v.chat.String()) {
			v.chat.clear()
			v.chatScroll = 0
		}
	}
}

// requestPaste asks the selection's owner for UTF-8 text; it arrives as
// a SelectionNotify.
func (w *x11Window) requestPaste(into widget, sel xproto.Atom, t xproto.Timestamp) {
	w.pasteInto = into
	xproto.ConvertSelection(w.conn, w.win, sel, w.atoms.utf8String, w.atoms.paste, t)
}

func (w *x11Window) pasted(e xproto.SelectionNotifyEvent) bool {
	into := w.pasteInto
	w.pasteInto = wNone
	en := w.entryOf(into)
	if e.Property == xproto.AtomNone || en == nil {
		return false
	}
	rep, err := xproto.GetProperty(w.conn, true, w.win, e.Property, xproto.GetPropertyTypeAny, 0, 1<<16).Reply()
	if err != nil || rep == nil || rep.Format != 8 {
		return false
	}
	en.insert(string(rep.Value))
	return true
}
