package ui

import (
	"fmt"
	"unicode"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// Keysyms the window handles as keys rather than text.
const (
	xkBackSpace    = 0xff08
	xkTab          = 0xff09
	xkReturn       = 0xff0d
	xkEscape       = 0xff1b
	xkHome         = 0xff50
	xkLeft         = 0xff51
	xkRight        = 0xff53
	xkEnd          = 0xff57
	xkKPEnter      = 0xff8d
	xkKPHome       = 0xff95
	xkKPLeft       = 0xff96
	xkKPRight      = 0xff98
	xkKPEnd        = 0xff9c
	xkKPDelete     = 0xff9f
	xkDelete       = 0xffff
	xkISOLeftTab   = 0xfe20
	xkModeSwitch   = 0xff7e
	xkISOLevel3    = 0xfe03
	xkNumLock      = 0xff7f
	xkKPSpace      = 0xff80
	xkKPFirst      = 0xffaa // KP_Multiply … KP_9 map to ASCII
	xkKPLast       = 0xffb9
	xkKPEqual      = 0xffbd
	xkSpace        = 0x20
	unicodeKeysyms = 0x01000000
)

// keymap turns key events into keysyms the way Xlib's XLookupKeysym does
// for the core protocol: Shift (or Lock for letters) picks the second
// column; the modifier that holds Mode_switch or ISO_Level3_Shift (AltGr)
// picks the second group, or columns 4/5 where XKB puts level 3/4 of the
// first group. Num Lock makes keypad keys type digits.
type keymap struct {
	min    byte
	per    int
	syms   []xproto.Keysym
	group  uint16 // modifier bit of Mode_switch / ISO_Level3_Shift
	numLck uint16 // modifier bit of Num_Lock
}

func loadKeymap(conn *xgb.Conn) (*keymap, error) {
	setup := xproto.Setup(conn)
	km := &keymap{min: byte(setup.MinKeycode)}
	n := int(setup.MaxKeycode) - int(setup.MinKeycode) + 1
	rep, err := xproto.GetKeyboardMapping(conn, setup.MinKeycode, byte(n)).Reply()
	if err != nil {
		return nil, fmt.Errorf("ui: GetKeyboardMapping: %w", err)
	}
	km.per, km.syms = int(rep.KeysymsPerKeycode), rep.Keysyms
	if km.per == 0 || len(km.syms) < km.per*n {
		return nil, fmt.Errorf("ui: GetKeyboardMapping: short reply (%d keysyms, %d per keycode)", len(km.syms), km.per)
	}
	mods, err := xproto.GetModifierMapping(conn).Reply()
	if err != nil {
		return nil, fmt.Errorf("ui: GetModifierMapping: %w", err)
	}
	per := int(mods.KeycodesPerModifier)
	for mod := range 8 {
		for _, kc := range mods.Keycodes[mod*per : (mod+1)*per] {
			for _, ks := range km.row(byte(kc)) {
				switch ks {
				case xkModeSwitch, xkISOLevel3:
					km.group |= 1 << mod
				case xkNumLock:
					km.numLck |= 1 << mod
				}
			}
		}
	}
	return km, nil
}

func (km *keymap) row(kc byte) []xproto.Keysym {
	i := (int(kc) - int(km.min)) * km.per
	if kc < km.min || i+km.per > len(km.syms) {
		return nil
	}
	return km.syms[i : i+km.per]
}

// keysym returns the keysym of keycode kc with the modifiers in state.
func (km *keymap) keysym(kc byte, state uint16) uint32 {
	row := km.row(kc)
	col := func(i int) uint32 {
		if i < len(row) {
			return uint32(row[i])
		}
		return 0
	}
	base := 0
	if km.group != 0 && state&km.group != 0 {
		// XKB servers list group 1's levels 3/4 (AltGr) at columns 4/5;
		// classic Mode_switch layouts use the second group at 2/3.
		switch {
		case col(4) != 0 || col(5) != 0:
			base = 4
		case col(2) != 0 || col(3) != 0:
			base = 2
		}
	}
	lower, upper := col(base), col(base+1)
	if upper == 0 {
		lower, upper = caseSyms(lower)
	}
	shift := state&xproto.ModMaskShift != 0
	if isKeypad(upper) && km.numLck != 0 && state&km.numLck != 0 {
		// Num Lock inverts Shift on the keypad.
		if shift {
			return lower
		}
		return upper
	}
	lock := state&xproto.ModMaskLock != 0
	if lock && isLetterSym(lower, upper) {
		shift = !shift
	}
	if shift {
		return upper
	}
	return lower
}

func isKeypad(ks uint32) bool { return ks >= xkKPSpace && ks <= xkKPEqual }

// isLetterSym: Caps Lock only shifts keys whose two levels differ in case.
func isLetterSym(lower, upper uint32) bool {
	l, ok1 := keysymRune(lower)
	u, ok2 := keysymRune(upper)
	return ok1 && ok2 && l != u && caseOf(l) == u
}

// caseSyms applies the core protocol rule that a lone lower-case letter in
// a row stands for both cases.
func caseSyms(ks uint32) (lower, upper uint32) {
	if r, ok := keysymRune(ks); ok {
		if u := caseOf(r); u != r {
			return ks, runeKeysym(u)
		}
	}
	return ks, ks
}

// keysymRune returns the character a keysym types: Latin-1 keysyms are
// their code point, Unicode keysyms carry it, the keypad types ASCII.
func keysymRune(ks uint32) (rune, bool) {
	switch {
	case ks >= 0x20 && ks < 0x7f, ks >= 0xa0 && ks < 0x100:
		return rune(ks), true
	case ks >= unicodeKeysyms+0x100 && ks <= unicodeKeysyms+0x10ffff:
		return rune(ks - unicodeKeysyms), true
	case ks == xkKPSpace:
		return ' ', true
	case ks >= xkKPFirst && ks <= xkKPLast:
		return rune(ks - 0xff80), true
	case ks == xkKPEqual:
		return '=', true
	case ks == 0x20ac: // EuroSign
		return '€', true
	}
	return 0, false
}

func runeKeysym(r rune) uint32 {
	if r < 0x100 {
		return uint32(r)
	}
	return unicodeKeysyms + uint32(r)
}

func caseOf(r rune) rune { return unicode.ToUpper(r) }
