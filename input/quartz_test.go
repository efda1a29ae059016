package input

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/tetherhq/tether/internal/quartz"
)

func TestMacFlags(t *testing.T) {
	if f := macFlags(map[string]uint16{"ShiftLeft": 0x38, "MetaRight": 0x36, "KeyA": 0}); f != quartz.FlagShift|quartz.FlagLeftShift|quartz.FlagCommand|quartz.FlagRightCommand {
		t.Errorf("flags %#x", f)
	}
	if macFlags(nil) != 0 {
		t.Error("no modifiers, flags set")
	}
	for code := range macModifierFlags {
		if !modifierCodes[code] {
			t.Errorf("%s has flags but is not a modifier", code)
		}
	}
	for code := range modifierCodes {
		if macModifierFlags[code] == 0 {
			t.Errorf("modifier %s has no flags", code)
		}
	}
}

func TestMacTextPieces(t *testing.T) {
	text := "Hi\tthere\n" + strings.Repeat("é", 25) + "😀😀\x01\x7f" + strings.Repeat("a", 19) + "😀"
	pieces := macTextPieces(normalizeText(text))
	var typed []rune
	for _, p := range pieces {
		if p.units == nil {
			typed = append(typed, map[uint16]rune{0x24: '\n', 0x30: '\t', 0x33: '\b'}[p.key])
			continue
		}
		if len(p.units) > quartz.MaxUnicodeUnits {
			t.Errorf("piece of %d units", len(p.units))
		}
		if utf16.IsSurrogate(rune(p.units[len(p.units)-1])) && p.units[len(p.units)-1] < 0xdc00 {
			t.Errorf("piece ends inside a surrogate pair: %x", p.units)
		}
		typed = append(typed, utf16.Decode(p.units)...)
	}
	want := strings.NewReplacer("\x01", "", "\x7f", "").Replace(text)
	if string(typed) != want {
		t.Errorf("typed %q\nwant  %q", string(typed), want)
	}
	if pieces[1].key != 0x30 || pieces[3].key != 0x24 {
		t.Errorf("tab and return are not keys: %+v", pieces[:4])
	}
	if len(macTextPieces(normalizeText("a\r\nb"))) != 3 {
		t.Error("CRLF is not one Return")
	}
}

func TestClickCounter(t *testing.T) {
	var c clickCounter
	t0 := time.Unix(100, 0)
	steps := []struct {
		b    Button
		x, y int
		dt   time.Duration
		want int64
	}{
		{ButtonLeft, 10, 10, 0, 1},
		{ButtonLeft, 12, 9, 200 * time.Millisecond, 2},  // double click
		{ButtonLeft, 12, 9, 300 * time.Millisecond, 3},  // triple click
		{ButtonLeft, 12, 9, 600 * time.Millisecond, 1},  // too slow
		{ButtonRight, 12, 9, 100 * time.Millisecond, 1}, // other button
		{ButtonRight, 40, 9, 100 * time.Millisecond, 1}, // moved away
		{ButtonRight, 41, 10, 100 * time.Millisecond, 2},
	}
	now := t0
	for i, s := range steps {
		now = now.Add(s.dt)
		if got := c.press(s.b, s.x, s.y, now); got != s.want {
			t.Errorf("press %d: count %d, want %d", i, got, s.want)
		}
	}
	if c.count(ButtonRight) != 2 || c.count(ButtonLeft) != 1 {
		t.Error("release does not carry its press's count")
	}
}

func TestMacButtonsAndDrags(t *testing.T) {
	for _, b := range []Button{ButtonLeft, ButtonRight, ButtonMiddle, ButtonBack, ButtonForward} {
		down, up, drag, _, ok := macButton(b)
		if !ok || down == up || drag == down {
			t.Errorf("%v: %d %d %d %v", b, down, up, drag, ok)
		}
	}
	if _, _, _, _, ok := macButton(Button(9)); ok {
		t.Error("unknown button accepted")
	}
	if typ, _ := macMoveEvent(nil); typ != quartz.EventMouseMoved {
		t.Error("a move without buttons is not a plain move")
	}
	if typ, n := macMoveEvent(map[Button]bool{ButtonRight: true, ButtonLeft: true}); typ != quartz.EventLeftMouseDragged || n != 0 {
		t.Error("left drag not preferred")
	}
	if typ, n := macMoveEvent(map[Button]bool{ButtonBack: true}); typ != quartz.EventOtherMouseDragged || n != 3 {
		t.Errorf("back-button drag: %d %d", typ, n)
	}
}

func TestMacWheelSteps(t *testing.T) {
	for _, c := range []struct {
		in   int
		want []int32
	}{
		{0, nil}, {1, []int32{-1}}, {-3, []int32{3}}, {25, []int32{-10, -10, -5}},
		{1000, slices.Repeat([]int32{-10}, MaxWheelNotches/10)},
	} {
		if got := macWheelSteps(c.in); !slices.Equal(got, c.want) {
			t.Errorf("macWheelSteps(%d) = %v, want %v", c.in, got, c.want)
		}
	}
}
