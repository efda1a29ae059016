package input

import (
	"testing"
	"unsafe"
)

// These tests need no desktop; they are compiled by GOOS=windows go vet on
// Linux and run on a Windows machine or under Wine.

func TestInputStructSizes(t *testing.T) {
	want := uintptr(40) // sizeof(INPUT) on 64-bit Windows
	if unsafe.Sizeof(uintptr(0)) == 4 {
		want = 28
	}
	if got := unsafe.Sizeof(mouseINPUT{}); got != want {
		t.Errorf("sizeof(mouseINPUT) = %d, want %d", got, want)
	}
	if got := unsafe.Sizeof(keybdINPUT{}); got != want {
		t.Errorf("sizeof(keybdINPUT) = %d, want %d", got, want)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		v, origin, size int
		want            int32
	}{
		{0, 0, 1920, 0},
		{1919, 0, 1920, 65535},
		{-1920, -1920, 3840, 0},
		{1919, -1920, 3840, 65535},
		{5000, 0, 1920, 65535}, // clamped
		{0, 0, 1, 0},
	}
	for _, tc := range tests {
		if got := normalize(tc.v, tc.origin, tc.size); got != tc.want {
			t.Errorf("normalize(%d, %d, %d) = %d, want %d", tc.v, tc.origin, tc.size, got, tc.want)
		}
	}
}

func TestKeyEvent(t *testing.T) {
	tests := []struct {
		code  string
		want  keybdInput
		known bool
	}{
		{"KeyA", keybdInput{scan: 0x1e, flags: keyeventfScanCode}, true},
		{"ArrowUp", keybdInput{scan: 0x48, flags: keyeventfScanCode | keyeventfExtendedKey}, true},
		{"Pause", keybdInput{vk: vkPause, scan: 0x45}, true},
		{"NumLock", keybdInput{vk: vkNumLock, scan: 0x45, flags: keyeventfExtendedKey}, true},
		{"Eject", keybdInput{}, false},
	}
	for _, tc := range tests {
		d, _ := lookupCode(tc.code)
		got, ok := keyEvent(d)
		if ok != tc.known || got != tc.want {
			t.Errorf("keyEvent(%s) = %+v, %v; want %+v, %v", tc.code, got, ok, tc.want, tc.known)
		}
	}
}
