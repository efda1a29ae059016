package input

import (
	"errors"
	"slices"
	"strconv"
	"testing"
)

// codesWithoutWindowsScanCode are keys Windows has no set-1 scan code for;
// its backend rejects them instead of guessing.
var codesWithoutWindowsScanCode = []string{"Again", "Find", "Select", "Open", "Eject"}

func TestKeyTable(t *testing.T) {
	seenCode := map[string]bool{}
	seenSym := map[uint32]string{}
	seenWin := map[uint16]string{}
	for _, d := range keyTable {
		if d.code == "" || seenCode[d.code] {
			t.Errorf("empty or duplicate code %q", d.code)
		}
		seenCode[d.code] = true
		if len(d.keysyms) == 0 {
			t.Errorf("%s: no keysym", d.code)
			continue
		}
		// Two codes sharing their first keysym would type the same key;
		// that is always a copy-paste mistake in this table.
		if other, dup := seenSym[d.keysyms[0]]; dup {
			t.Errorf("%s and %s share keysym %#x", d.code, other, d.keysyms[0])
		}
		seenSym[d.keysyms[0]] = d.code
		switch noScan := slices.Contains(codesWithoutWindowsScanCode, d.code); {
		case d.win == 0 && !noScan:
			t.Errorf("%s: no Windows scan code", d.code)
		case d.win != 0 && noScan:
			t.Errorf("%s: has scan code %#x but is listed as having none", d.code, d.win)
		case d.win != 0:
			if other, dup := seenWin[d.win]; dup {
				t.Errorf("%s and %s share scan code %#x", d.code, other, d.win)
			}
			seenWin[d.win] = d.code
			if hi := d.win >> 8; hi != 0 && hi != 0xe0 {
				t.Errorf("%s: scan code %#x is neither plain nor 0xE0-extended", d.code, d.win)
			}
		}
	}
	for alias, code := range codeAliases {
		if !seenCode[code] {
			t.Errorf("alias %s points to unknown code %s", alias, code)
		}
		if seenCode[alias] {
			t.Errorf("alias %s shadows a real code", alias)
		}
	}
	for code := range modifierCodes {
		if !seenCode[code] {
			t.Errorf("modifier %s is not in the table", code)
		}
	}
}

// TestKeyTableCoversCommonCodes lists the codes a US/ISO keyboard sends;
// each must be known.
func TestKeyTableCoversCommonCodes(t *testing.T) {
	var want []string
	for c := 'A'; c <= 'Z'; c++ {
		want = append(want, "Key"+string(c))
	}
	for c := '0'; c <= '9'; c++ {
		want = append(want, "Digit"+string(c), "Numpad"+string(c))
	}
	for i := 1; i <= 24; i++ {
		want = append(want, "F"+strconv.Itoa(i))
	}
	want = append(want,
		"ShiftLeft", "ShiftRight", "ControlLeft", "ControlRight", "AltLeft", "AltRight",
		"MetaLeft", "MetaRight", "OSLeft", "OSRight", "CapsLock", "NumLock", "ScrollLock",
		"Enter", "Escape", "Backspace", "Tab", "Space", "Insert", "Delete", "Home", "End",
		"PageUp", "PageDown", "ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown",
		"PrintScreen", "Pause", "ContextMenu",
		"Minus", "Equal", "BracketLeft", "BracketRight", "Backslash", "Semicolon", "Quote",
		"Backquote", "Comma", "Period", "Slash", "IntlBackslash",
		"NumpadAdd", "NumpadSubtract", "NumpadMultiply", "NumpadDivide", "NumpadDecimal", "NumpadEnter",
		"AudioVolumeMute", "AudioVolumeUp", "AudioVolumeDown", "MediaPlayPause", "MediaTrackNext",
		"MediaTrackPrevious", "MediaStop", "BrowserBack", "BrowserForward")
	for _, code := range want {
		if !KnownCode(code) {
			t.Errorf("KnownCode(%q) = false", code)
		}
	}
	for _, bad := range []string{"", "keya", "Key", "F25", "Unidentified"} {
		if KnownCode(bad) {
			t.Errorf("KnownCode(%q) = true", bad)
		}
	}
	codes := Codes()
	if !slices.IsSorted(codes) || len(slices.Compact(slices.Clone(codes))) != len(codes) {
		t.Error("Codes() not sorted and unique")
	}
}

func TestKeysymForRune(t *testing.T) {
	tests := []struct {
		r    rune
		want uint32
	}{
		{'a', 0x61}, {'Z', 0x5a}, {' ', 0x20}, {'~', 0x7e},
		{'é', 0xe9}, {'ß', 0xdf}, {0xa0, 0xa0},
		{'\n', 0xff0d}, {'\t', 0xff09}, {'\b', 0xff08},
		{0x01, 0}, {0x85, 0},
		{'€', 0x20ac}, {'Ω', 0x010003a9}, {'日', 0x010065e5}, {'😀', 0x0101f600},
	}
	for _, tc := range tests {
		if got := keysymForRune(tc.r); got != tc.want {
			t.Errorf("keysymForRune(%U) = %#x, want %#x", tc.r, got, tc.want)
		}
	}
}

func TestNormalizeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\r\nb", "a\nb"}, {"a\rb", "a\nb"}, {"\r\r\n", "\n\n"}, {"héllo", "héllo"}, {"", ""},
	}
	for _, tc := range tests {
		if got := string(normalizeText(tc.in)); got != tc.want {
			t.Errorf("normalizeText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestButtonFromDOM(t *testing.T) {
	tests := []struct {
		n    int
		want Button
		ok   bool
	}{
		{0, ButtonLeft, true}, {1, ButtonMiddle, true}, {2, ButtonRight, true},
		{3, ButtonBack, true}, {4, ButtonForward, true}, {5, 0, false}, {-1, 0, false},
	}
	for _, tc := range tests {
		if got, ok := ButtonFromDOM(tc.n); got != tc.want || ok != tc.ok {
			t.Errorf("ButtonFromDOM(%d) = %v, %v; want %v, %v", tc.n, got, ok, tc.want, tc.ok)
		}
	}
}

func TestOpenUnknownBackend(t *testing.T) {
	_, err := Open(WithBackend("no-such-backend"))
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("Open(unknown) = %v, want ErrUnsupported", err)
	}
	t.Setenv(EnvBackend, "no-such-backend")
	if _, err := Open(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Open with %s=no-such-backend = %v, want ErrUnsupported", EnvBackend, err)
	}
}

// TestWinVK checks the virtual-key table against the key table: every row
// names a known code with a Windows scan code, and every extended key (the
// ones Wine's MapVirtualKeyW gets wrong) that has a virtual key at all is
// listed.
func TestWinVK(t *testing.T) {
	seen := map[uint16]string{}
	for code, vk := range winVK {
		d, ok := lookupCode(code)
		switch {
		case !ok:
			t.Errorf("winVK: unknown code %s", code)
		case d.win == 0:
			t.Errorf("winVK: %s has no scan code", code)
		case vk == 0:
			t.Errorf("winVK: %s maps to 0", code)
		}
		if other, dup := seen[vk]; dup && !(vk == 0x0d && (code == "NumpadEnter" || other == "NumpadEnter")) {
			t.Errorf("winVK: %s and %s share %#x", code, other, vk)
		}
		seen[vk] = code
	}
	// Extended keys without a virtual key on Windows either.
	noVK := map[string]bool{"Undo": true, "Copy": true, "Cut": true, "Paste": true, "Power": true, "WakeUp": true}
	for _, d := range keyTable {
		if d.win>>8 == 0xe0 && winVK[d.code] == 0 && !noVK[d.code] {
			t.Errorf("extended key %s (%#x) missing from winVK", d.code, d.win)
		}
	}
}
