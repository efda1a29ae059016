package input

import (
	"slices"
	"testing"
)

// TestMacKeycodes checks the macOS table against the project's key names:
// every code it maps exists, every existing code is mapped or listed as
// having no Mac key, and no two codes press the same key.
func TestMacKeycodes(t *testing.T) {
	seen := map[uint16]string{}
	for code, k := range macKeycodes {
		if d, ok := lookupCode(code); !ok || d.code != code {
			t.Errorf("%s is not a code of the key table", code)
		}
		if other, dup := seen[k]; dup {
			t.Errorf("%s and %s share keycode %#x", code, other, k)
		}
		seen[k] = code
		if k > 0x7f {
			t.Errorf("%s: keycode %#x is outside the kVK range", code, k)
		}
		if slices.Contains(codesWithoutMacKey, code) {
			t.Errorf("%s is mapped and listed as having no Mac key", code)
		}
	}
	for _, code := range Codes() {
		_, mapped := macKeycodes[code]
		if !mapped && !slices.Contains(codesWithoutMacKey, code) {
			t.Errorf("%s: no macOS keycode and not listed in codesWithoutMacKey", code)
		}
	}
	for _, code := range codesWithoutMacKey {
		if !KnownCode(code) {
			t.Errorf("codesWithoutMacKey lists unknown code %s", code)
		}
	}
	// Spot checks against Events.h.
	for code, want := range map[string]uint16{
		"KeyA": 0x00, "KeyZ": 0x06, "KeyQ": 0x0c, "Digit0": 0x1d, "Enter": 0x24, "Tab": 0x30,
		"Space": 0x31, "Backspace": 0x33, "Escape": 0x35, "MetaLeft": 0x37, "ShiftLeft": 0x38,
		"AltLeft": 0x3a, "ControlLeft": 0x3b, "F1": 0x7a, "F12": 0x6f, "ArrowUp": 0x7e,
		"Delete": 0x75, "Numpad5": 0x57, "IntlBackslash": 0x0a,
		"OSLeft": 0x37, // the legacy alias of MetaLeft
	} {
		if got, ok := macKeycode(code); !ok || got != want {
			t.Errorf("macKeycode(%s) = %#x %v, want %#x", code, got, ok, want)
		}
	}
	if _, ok := macKeycode("PrintScreen"); ok {
		t.Error("PrintScreen mapped")
	}
}
