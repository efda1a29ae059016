package input

import (
	"testing"
	"unsafe"
)

// These tests need no desktop; they run on Windows and under Wine
// (scripts/wine.sh test ./input).

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
	if off := unsafe.Offsetof(mouseINPUT{}.mi); off != unsafe.Sizeof(uintptr(0)) {
		t.Errorf("INPUT union at offset %d, want %d", off, unsafe.Sizeof(uintptr(0)))
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		v, origin, size int
		want            int32
	}{
		{0, 0, 1920, 17},        // centre of pixel 0: 0.5 * 65536/1920
		{1919, 0, 1920, 65518},  // centre of the last pixel
		{-1920, -1920, 3840, 8}, // left monitor at a negative origin
		{1919, -1920, 3840, 65527},
		{5000, 0, 1920, 65518}, // clamped to the last pixel
		{-5, 0, 1920, 17},      // clamped to the first
		{0, 0, 1, 0},
	}
	for _, tc := range tests {
		if got := normalize(tc.v, tc.origin, tc.size); got != tc.want {
			t.Errorf("normalize(%d, %d, %d) = %d, want %d", tc.v, tc.origin, tc.size, got, tc.want)
		}
	}
	// Every pixel must map back to itself with floor(n*size/65536), the
	// mapping Windows documents and Wine implements, on common widths and
	// across a two-monitor virtual desktop.
	for _, size := range []int{640, 1280, 1366, 1920, 2560, 3840, 5120, 7680} {
		for v := range size {
			n := int64(normalize(v-size/2, -size/2, size))
			if n < 0 || n > 65535 {
				t.Fatalf("size %d: pixel %d -> %d out of range", size, v, n)
			}
			if back := int(n * int64(size) >> 16); back != v {
				t.Fatalf("size %d: pixel %d -> %d -> pixel %d", size, v, n, back)
			}
		}
	}
}

func TestWinKeyEvent(t *testing.T) {
	tests := []struct {
		code  string
		want  keybdInput
		known bool
	}{
		{"ArrowUp", keybdInput{vk: 0x26, scan: 0x48, flags: keyeventfScanCode | keyeventfExtendedKey}, true},
		{"ControlRight", keybdInput{vk: 0xa3, scan: 0x1d, flags: keyeventfScanCode | keyeventfExtendedKey}, true},
		{"AltRight", keybdInput{vk: 0xa5, scan: 0x38, flags: keyeventfScanCode | keyeventfExtendedKey}, true},
		{"NumpadDivide", keybdInput{vk: 0x6f, scan: 0x35, flags: keyeventfScanCode | keyeventfExtendedKey}, true},
		{"NumpadEnter", keybdInput{vk: 0x0d, scan: 0x1c, flags: keyeventfScanCode | keyeventfExtendedKey}, true},
		{"MetaLeft", keybdInput{vk: 0x5b, scan: 0x5b, flags: keyeventfScanCode | keyeventfExtendedKey}, true},
		{"Delete", keybdInput{vk: 0x2e, scan: 0x53, flags: keyeventfScanCode | keyeventfExtendedKey}, true},
		{"Enter", keybdInput{vk: 0x0d, scan: 0x1c, flags: keyeventfScanCode}, true},
		{"ShiftLeft", keybdInput{vk: 0xa0, scan: 0x2a, flags: keyeventfScanCode}, true},
		{"Pause", keybdInput{vk: vkPause, scan: 0x45}, true},
		{"NumLock", keybdInput{vk: vkNumLock, scan: 0x45, flags: keyeventfExtendedKey}, true},
		{"Eject", keybdInput{}, false},
	}
	for _, tc := range tests {
		d, _ := lookupCode(tc.code)
		got, ok := winKeyEvent(d)
		if ok != tc.known || got != tc.want {
			t.Errorf("winKeyEvent(%s) = %+v, %v; want %+v, %v", tc.code, got, ok, tc.want, tc.known)
		}
	}
	// Character keys take their virtual key from the layout: on the US
	// layout the tests run with, KeyA is VK_A and Slash VK_OEM_2.
	for code, vk := range map[string]uint16{"KeyA": 'A', "Digit1": '1', "Slash": 0xbf} {
		d, _ := lookupCode(code)
		if got, _ := winKeyEvent(d); got.vk != vk {
			t.Errorf("%s: vk %#x, want %#x", code, got.vk, vk)
		}
	}
}

func TestTextEvents(t *testing.T) {
	in := textEvents([]rune("a😀\n\x01"))
	// a: down/up; 😀: two surrogates, down/up each; \n: Enter down/up; \x01 dropped.
	if len(in) != 8 {
		t.Fatalf("%d events, want 8: %+v", len(in), in)
	}
	wantScan := []uint16{'a', 'a', 0xd83d, 0xd83d, 0xde00, 0xde00}
	for i, s := range wantScan {
		k := in[i].ki
		if k.scan != s || k.flags&keyeventfUnicode == 0 || k.vk != 0 {
			t.Errorf("event %d = %+v, want unicode %#x", i, k, s)
		}
		if up := k.flags&keyeventfKeyUp != 0; up != (i%2 == 1) {
			t.Errorf("event %d: key-up %v", i, up)
		}
	}
	if k := in[6].ki; k.vk != 0x0d || k.flags&keyeventfScanCode == 0 {
		t.Errorf("newline typed as %+v, want Enter", k)
	}
}

func TestWheelEvents(t *testing.T) {
	in := wheelEvents(2, 1000)
	if len(in) != 2 {
		t.Fatalf("%d events", len(in))
	}
	if m := in[0].mi; m.flags != mouseeventfWheel || int32(m.mouseData) != -MaxWheelNotches*wheelDelta {
		t.Errorf("vertical: %+v", m)
	}
	if m := in[1].mi; m.flags != mouseeventfHWheel || int32(m.mouseData) != 2*wheelDelta {
		t.Errorf("horizontal: %+v", m)
	}
	if in := wheelEvents(0, 0); len(in) != 0 {
		t.Errorf("no scroll: %d events", len(in))
	}
}

func TestSASPolicy(t *testing.T) {
	tests := []struct {
		cur    uint32
		exists bool
		want   uint32
		change bool
	}{
		{0, false, 1, true}, // no policy: services only
		{0, true, 1, true},  // explicitly none
		{1, true, 1, false}, // services already
		{2, true, 3, true},  // Ease of Access kept, services added
		{3, true, 3, false},
	}
	for _, tc := range tests {
		got, change := sasPolicy(tc.cur, tc.exists)
		if got != tc.want || change != tc.change {
			t.Errorf("sasPolicy(%d, %v) = %d, %v; want %d, %v", tc.cur, tc.exists, got, change, tc.want, tc.change)
		}
	}
}
