package ui

import "github.com/jezek/xgb/xproto"

// key handles a key press: Tab moves the focus, Enter and Space activate,
// Escape cancels "End session?", and text goes to the focused field.
func (w *x11Window) key(e xproto.KeyPressEvent) bool {
	v := w.v
	ks := w.km.keysym(byte(e.Detail), e.State)
	ctrl := e.State&xproto.ModMaskControl != 0
	// Alt shortcuts type nothing; AltGr (the group modifier) does.
	alt := e.State&xproto.ModMask1 != 0 && e.State&w.km.group == 0
	shift := e.State&xproto.ModMaskShift != 0
	en := w.entryOf(v.focus)
	switch ks {
	case xkTab, xkISOLeftTab:
		v.nextFocus(shift || ks == xkISOLeftTab)
		v.caretOn = true
		return true
	case xkReturn, xkKPEnter:
		if v.focus != wNone {
			w.activate(v.focus)
		}
		return true
	case xkEscape:
		if v.promptKind == promptEnd {
			w.model.resolve(v.promptID, answer{})
		}
		return true
	case xkSpace:
		if en == nil && v.focus != wNone {
			w.activate(v.focus)
			return true
		}
	}
	if en == nil {
		// Typing with no field focused goes where the customer obviously
		// means: the code entry while asked for it, else the chat.
		if _, ok := keysymRune(ks); !ok || ctrl || alt {
			return false
		}
		for _, f := range []widget{wCodeEntry, wChatEntry} {
			if en = w.entryOf(f); en != nil {
				v.focus = f
				break
			}
		}
		if en == nil {
			return false
		}
	}
	switch ks {
	case xkBackSpace:
		en.backspace()
	case xkDelete, xkKPDelete:
		en.del()
	case xkLeft, xkKPLeft:
		en.left()
	case xkRight, xkKPRight:
		en.right()
	case xkHome, xkKPHome:
		en.home()
	case xkEnd, xkKPEnd:
		en.end()
	default:
		if ctrl {
			if ks == 'v' || ks == 'V' {
				w.requestPaste(v.focus, w.atoms.clipboard, e.Time)
			}
			return false
		}
		r, ok := keysymRune(ks)
		if !ok || alt {
			return false
		}
		en.insert(string(r))
	}
	v.caretOn = true
	return true
}
