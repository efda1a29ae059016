package input

import (
	"errors"
	"slices"
	"testing"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

func TestXTestMouse(t *testing.T) {
	display := startXvfb(t)
	w := newTestWindow(t, display)
	inj := openTestInjector(t, display)

	t.Run("move", func(t *testing.T) {
		for _, p := range []struct{ x, y int }{{100, 200}, {0, 0}, {1279, 719}, {640, 360}} {
			if err := inj.MouseMove(p.x, p.y); err != nil {
				t.Fatal(err)
			}
			ev := w.next(t, "MotionNotify", func(ev xgb.Event) bool {
				m, ok := ev.(xproto.MotionNotifyEvent)
				return ok && int(m.RootX) == p.x && int(m.RootY) == p.y
			}).(xproto.MotionNotifyEvent)
			if int(ev.EventX) != p.x || int(ev.EventY) != p.y {
				t.Errorf("event at %d,%d in window, want %d,%d", ev.EventX, ev.EventY, p.x, p.y)
			}
			q, err := xproto.QueryPointer(w.conn, w.win).Reply()
			if err != nil {
				t.Fatal(err)
			}
			if int(q.RootX) != p.x || int(q.RootY) != p.y {
				t.Errorf("QueryPointer = %d,%d, want %d,%d", q.RootX, q.RootY, p.x, p.y)
			}
		}
	})

	buttons := []struct {
		b    Button
		want byte
	}{
		{ButtonLeft, 1}, {ButtonMiddle, 2}, {ButtonRight, 3}, {ButtonBack, 8}, {ButtonForward, 9},
	}
	for _, tc := range buttons {
		t.Run("button "+tc.b.String(), func(t *testing.T) {
			for _, down := range []bool{true, false} {
				if err := inj.MouseButton(tc.b, down); err != nil {
					t.Fatal(err)
				}
				got := nextButton(t, w)
				if got.press != down || got.button != tc.want {
					t.Errorf("got %+v, want press=%v button=%d", got, down, tc.want)
				}
			}
		})
	}

	wheels := []struct {
		name   string
		dx, dy int
		want   []byte
	}{
		{"down 2", 0, 2, []byte{5, 5}},
		{"up 1", 0, -1, []byte{4}},
		{"right 1", 1, 0, []byte{7}},
		{"left 2", -2, 0, []byte{6, 6}},
	}
	for _, tc := range wheels {
		t.Run("wheel "+tc.name, func(t *testing.T) {
			if err := inj.Wheel(tc.dx, tc.dy); err != nil {
				t.Fatal(err)
			}
			for i, want := range tc.want {
				for _, press := range []bool{true, false} {
					if got := nextButton(t, w); got.press != press || got.button != want {
						t.Errorf("notch %d: got %+v, want press=%v button=%d", i, got, press, want)
					}
				}
			}
		})
	}

	if err := inj.MouseButton(Button(42), true); err == nil {
		t.Error("MouseButton(42) succeeded, want error")
	}
}

type buttonEvent struct {
	press  bool
	button byte
}

func nextButton(t *testing.T, w *testWindow) buttonEvent {
	t.Helper()
	ev := w.next(t, "button event", func(ev xgb.Event) bool {
		switch ev.(type) {
		case xproto.ButtonPressEvent, xproto.ButtonReleaseEvent:
			return true
		}
		return false
	})
	if p, ok := ev.(xproto.ButtonPressEvent); ok {
		return buttonEvent{true, byte(p.Detail)}
	}
	return buttonEvent{false, byte(ev.(xproto.ButtonReleaseEvent).Detail)}
}

func TestXTestKeys(t *testing.T) {
	display := startXvfb(t)
	w := newTestWindow(t, display)
	inj := openTestInjector(t, display)

	type step struct {
		code string
		down bool
	}
	tests := []struct {
		name  string
		steps []step
		// want lists the keysyms of the KeyPress events, as translated with
		// their state, in order.
		want []uint32
	}{
		{"letter", []step{{"KeyA", true}, {"KeyA", false}}, []uint32{'a'}},
		{"shift letter", []step{{"ShiftLeft", true}, {"KeyA", true}, {"KeyA", false}, {"ShiftLeft", false}},
			[]uint32{0xffe1, 'A'}},
		{"shift digit", []step{{"ShiftRight", true}, {"Digit1", true}, {"Digit1", false}, {"ShiftRight", false}},
			[]uint32{0xffe2, '!'}},
		{"enter", []step{{"Enter", true}, {"Enter", false}}, []uint32{0xff0d}},
		{"F5", []step{{"F5", true}, {"F5", false}}, []uint32{0xffc2}},
		{"arrow", []step{{"ArrowUp", true}, {"ArrowUp", false}}, []uint32{0xff52}},
		{"ctrl punctuation", []step{{"ControlLeft", true}, {"BracketLeft", true}, {"BracketLeft", false}, {"ControlLeft", false}},
			[]uint32{0xffe3, '['}},
		{"intl backslash", []step{{"IntlBackslash", true}, {"IntlBackslash", false}}, []uint32{'<'}},
		{"alias", []step{{"OSLeft", true}, {"OSLeft", false}}, []uint32{0xffeb}},
		// F13 has no key on Xvfb's default map: a spare keycode is remapped.
		{"F13 via spare keycode", []step{{"F13", true}, {"F13", false}}, []uint32{0xffca}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range tc.steps {
				if err := inj.Key(s.code, s.down); err != nil {
					t.Fatalf("Key(%s, %v): %v", s.code, s.down, err)
				}
			}
			var got []uint32
			for range tc.steps {
				ev := w.nextKey(t)
				if ev.press {
					got = append(got, w.keymap(t).lookup(ev.kc, ev.state))
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("keysyms %#x, want %#x", got, tc.want)
			}
		})
	}

	if err := inj.Key("NoSuchKey", true); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Key(NoSuchKey) = %v, want ErrUnknownKey", err)
	}
	// Releasing a key we never pressed must not send anything.
	if err := inj.Key("KeyZ", false); err != nil {
		t.Errorf("Key(KeyZ, up) = %v", err)
	}
}

// TestXTestEveryCode presses every code in the table and checks that the
// server's key carries one of the row's keysyms.
func TestXTestEveryCode(t *testing.T) {
	display := startXvfb(t)
	w := newTestWindow(t, display)
	inj := openTestInjector(t, display)
	for _, code := range Codes() {
		def, _ := lookupCode(code)
		if err := inj.Key(code, true); err != nil {
			t.Errorf("Key(%s): %v", code, err)
			continue
		}
		if err := inj.Key(code, false); err != nil {
			t.Errorf("Key(%s, up): %v", code, err)
		}
		press, release := w.nextKey(t), w.nextKey(t)
		if !press.press || release.press || press.kc != release.kc {
			t.Errorf("%s: events %+v %+v, want press+release of one key", code, press, release)
			continue
		}
		row := w.keymap(t).row(press.kc)
		if !slices.ContainsFunc(def.keysyms, func(ks uint32) bool { return slices.Contains(row, ks) }) {
			t.Errorf("%s: keycode %d has keysyms %#x, want one of %#x", code, press.kc, row, def.keysyms)
		}
	}
}

func TestXTestText(t *testing.T) {
	display := startXvfb(t)
	w := newTestWindow(t, display)
	inj := openTestInjector(t, display)

	tests := []struct {
		name, text string
		capsLock   bool
		want       string // typed characters; "\r" stands for Return
	}{
		{"ascii", "Hello, World! ~_|", false, "Hello, World! ~_|"},
		{"newline", "a\r\nb\nc", false, "a\rb\rc"},
		{"latin1 off layout", "café ß", false, "café ß"},
		{"non latin", "€ 日本 Ωж", false, "€ 日本 Ωж"},
		{"caps lock on", "aB1", true, "aB1"},
		{"repeat", "aaa", false, "aaa"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.capsLock {
				toggleCapsLock(t, inj, w)
				t.Cleanup(func() { toggleCapsLock(t, inj, w) })
			}
			if err := inj.Text(tc.text); err != nil {
				t.Fatal(err)
			}
			var got []rune
			for len(got) < len([]rune(tc.want)) {
				ev := w.nextKey(t)
				if !ev.press {
					continue
				}
				ks := w.keymap(t).lookup(ev.kc, ev.state)
				switch r, ok := keysymRune(ks); {
				case ks == 0xffe1 || ks == 0xffe2:
					// Shift itself
				case ks == 0xff0d:
					got = append(got, '\r')
				case ks == 0x20ac:
					got = append(got, '€')
				case ok:
					got = append(got, r)
				default:
					t.Fatalf("unexpected keysym %#x after %q", ks, string(got))
				}
			}
			if string(got) != tc.want {
				t.Errorf("typed %q, want %q", string(got), tc.want)
			}
		})
	}
}

func toggleCapsLock(t *testing.T, inj Injector, w *testWindow) {
	t.Helper()
	for _, down := range []bool{true, false} {
		if err := inj.Key("CapsLock", down); err != nil {
			t.Fatal(err)
		}
		w.nextKey(t)
	}
}

func TestXTestTextLiftsModifiers(t *testing.T) {
	display := startXvfb(t)
	w := newTestWindow(t, display)
	inj := openTestInjector(t, display)
	if err := inj.Key("ControlLeft", true); err != nil {
		t.Fatal(err)
	}
	w.nextKey(t)
	if err := inj.Text("x"); err != nil {
		t.Fatal(err)
	}
	var presses []keyEvent
	for len(presses) < 2 { // the typed x, then Control pressed again
		if ev := w.nextKey(t); ev.press {
			presses = append(presses, ev)
		}
	}
	if presses[0].state&xproto.ModMaskControl != 0 {
		t.Errorf("x typed with Control held (state %#x)", presses[0].state)
	}
	if ks := w.keymap(t).lookup(presses[1].kc, 0); ks != 0xffe3 {
		t.Errorf("after Text, pressed keysym %#x, want Control_L again", ks)
	}
}

func TestXTestReleaseAll(t *testing.T) {
	display := startXvfb(t)
	w := newTestWindow(t, display)
	inj := openTestInjector(t, display)
	for _, code := range []string{"ShiftLeft", "ControlRight", "KeyQ", "F20", "Numpad5"} {
		if err := inj.Key(code, true); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range []Button{ButtonLeft, ButtonRight} {
		if err := inj.MouseButton(b, true); err != nil {
			t.Fatal(err)
		}
	}
	// Events are pipelined without round trips; wait until the server has
	// processed ours before asking it on another connection.
	if err := inj.sync(); err != nil {
		t.Fatal(err)
	}
	if n := keysDown(t, w); n != 5 {
		t.Fatalf("%d keys down before ReleaseAll, want 5", n)
	}
	if err := inj.ReleaseAll(); err != nil {
		t.Fatal(err)
	}
	if n := keysDown(t, w); n != 0 {
		t.Errorf("%d keys still down after ReleaseAll", n)
	}
	q, err := xproto.QueryPointer(w.conn, w.win).Reply()
	if err != nil {
		t.Fatal(err)
	}
	const anyButton = xproto.ButtonMask1 | xproto.ButtonMask2 | xproto.ButtonMask3 | xproto.ButtonMask4 | xproto.ButtonMask5
	if q.Mask&anyButton != 0 || q.Mask&(xproto.ModMaskShift|xproto.ModMaskControl) != 0 {
		t.Errorf("pointer state %#x after ReleaseAll, want no buttons or modifiers", q.Mask)
	}

	if err := inj.Close(); err != nil {
		t.Fatal(err)
	}
	if err := inj.Key("KeyA", true); !errors.Is(err, ErrClosed) {
		t.Errorf("Key after Close = %v, want ErrClosed", err)
	}
}

// keysDown counts the keys the server reports as pressed.
func keysDown(t *testing.T, w *testWindow) int {
	t.Helper()
	rep, err := xproto.QueryKeymap(w.conn).Reply()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, b := range rep.Keys {
		for ; b != 0; b &= b - 1 {
			n++
		}
	}
	return n
}
