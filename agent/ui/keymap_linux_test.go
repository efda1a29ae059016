package ui

import (
	"testing"

	"github.com/jezek/xgb/xproto"
)

// A German XKB layout as the core protocol shows it: columns 0/1 are
// group 1 levels 1/2, 2/3 group 2, 4/5 group 1 levels 3/4 (AltGr).
func germanKeymap() *keymap {
	rows := [][]uint32{
		{'q', 'Q', 'q', 'Q', '@', 0x7d9}, // 24: AltGr+q = @
		{0xfc, 0xdc, 0xfc, 0xdc},         // 25: ü Ü
		{'2', '"', '2', '"', 0xb2, 0},    // 26: AltGr+2 = ²
		{0xdf, '?', 0xdf, '?', '\\', 0},  // 27: ß ? \
		{'a'},                            // 28: a lone lower-case letter
		{0xffb1 - 0x1c, 0xffb1},          // 29: KP_End / KP_1
		{0xfe03},                         // 30: ISO_Level3_Shift
		{xkNumLock},                      // 31
	}
	km := &keymap{min: 24, per: 6, group: xproto.ModMask5, numLck: xproto.ModMask2}
	for _, r := range rows {
		row := make([]xproto.Keysym, 6)
		for i, s := range r {
			row[i] = xproto.Keysym(s)
		}
		km.syms = append(km.syms, row...)
	}
	return km
}

func TestKeymapLevels(t *testing.T) {
	km := germanKeymap()
	const shift, lock, altgr, num = xproto.ModMaskShift, xproto.ModMaskLock, xproto.ModMask5, xproto.ModMask2
	for _, c := range []struct {
		kc    byte
		state uint16
		want  rune
	}{
		{24, 0, 'q'}, {24, shift, 'Q'}, {24, lock, 'Q'}, {24, lock | shift, 'q'}, {24, altgr, '@'},
		{25, 0, 'ü'}, {25, shift, 'Ü'}, {25, lock, 'Ü'},
		{26, 0, '2'}, {26, shift, '"'}, {26, lock, '2'}, {26, altgr, '²'},
		{27, 0, 'ß'}, {27, shift, '?'}, {27, altgr, '\\'},
		{28, 0, 'a'}, {28, shift, 'A'},
		{29, num, '1'}, {29, num | shift, 0},
	} {
		ks := km.keysym(c.kc, c.state)
		r, ok := keysymRune(ks)
		if !ok {
			r = 0
		}
		if r != c.want {
			t.Errorf("keycode %d state %#x: got %q (keysym %#x), want %q", c.kc, c.state, r, ks, c.want)
		}
	}
}

func TestEntryEditing(t *testing.T) {
	var e entry
	e.insert("Grüße")
	e.left()
	e.left()
	e.backspace()
	e.insert("ü")
	e.home()
	e.del()
	e.end()
	e.insert("\n!")
	if got := e.String(); got != "rüße !" {
		t.Fatalf("got %q", got)
	}
	e.clear()
	e.insert(string(make([]rune, maxEntryRunes+10)))
	if len(e.text) != maxEntryRunes {
		t.Fatalf("len %d", len(e.text))
	}
}

func TestWrapText(t *testing.T) {
	if err := loadFonts(); err != nil {
		t.Fatal(err)
	}
	f := faceCache{}.face(regular, 13)
	lines := wrapText(f, "Anna Schmidt kann Ihren Bildschirm sehen und steuern.\nZweite Zeile "+
		"Donaudampfschifffahrtsgesellschaftskapitänsmütze", 120)
	for _, l := range lines {
		if textWidth(f, l) > 120 {
			t.Errorf("line %q is %d px wide", l, textWidth(f, l))
		}
	}
	if len(lines) < 5 {
		t.Errorf("got %q", lines)
	}
}

func TestScaleFromResources(t *testing.T) {
	for db, want := range map[string]float64{
		"":                                 1,
		"Xft.dpi:\t96\n":                   1,
		"Xcursor.size: 24\nXft.dpi: 192\n": 2,
		"Xft.dpi:\t144":                    1.5,
		"Xft.dpi: 72":                      1,
		"Xft.dpi: junk":                    1,
	} {
		if got := scaleFromResources(db); got != want {
			t.Errorf("%q: got %v, want %v", db, got, want)
		}
	}
}
