package input

import (
	"errors"
	"testing"

	"github.com/tetherhq/tether/internal/wintest"
)

// These tests drive real windows: Notepad (Windows' or Wine's) and a test
// window that records the messages it gets. scripts/wine.sh runs them
// under Wine on Xvfb in CI; they also run as they are on a Windows desktop.

func openSendInputT(t *testing.T) Injector {
	t.Helper()
	inj, err := Open(WithBackend(BackendSendInput))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inj.Close() })
	return inj
}

func tap(t *testing.T, inj Injector, codes ...string) {
	t.Helper()
	for _, c := range codes {
		if err := inj.Key(c, true); err != nil {
			t.Fatalf("%s down: %v", c, err)
		}
		if err := inj.Key(c, false); err != nil {
			t.Fatalf("%s up: %v", c, err)
		}
	}
}

// chord presses mods, taps key and releases mods in reverse order.
func chord(t *testing.T, inj Injector, key string, mods ...string) {
	t.Helper()
	for _, m := range mods {
		if err := inj.Key(m, true); err != nil {
			t.Fatal(err)
		}
	}
	tap(t, inj, key)
	for i := len(mods) - 1; i >= 0; i-- {
		if err := inj.Key(mods[i], false); err != nil {
			t.Fatal(err)
		}
	}
}

// startNotepad starts Notepad and waits until typed input reaches it: the
// first events after a focus change can still go to the previous window's
// queue under Wine, which would drop a modifier.
func startNotepad(t *testing.T, inj Injector) *wintest.Notepad {
	t.Helper()
	np := wintest.StartNotepad(t)
	if err := inj.Text("."); err != nil {
		t.Fatal(err)
	}
	np.WaitText(t, ".")
	np.Clear()
	np.WaitText(t, "")
	return np
}

func TestSendInputNotepadText(t *testing.T) {
	inj := openSendInputT(t)
	np := startNotepad(t, inj)
	// Latin-1, a BMP symbol, a character outside the BMP (surrogate pair),
	// Tab and a line break typed as keys.
	if err := inj.Text("Hello, wörld € 😀\tx\r\nline 2"); err != nil {
		t.Fatal(err)
	}
	np.WaitText(t, "Hello, wörld € 😀\tx\r\nline 2")
}

func TestSendInputNotepadKeys(t *testing.T) {
	inj := openSendInputT(t)
	np := startNotepad(t, inj)
	chord(t, inj, "KeyH", "ShiftLeft")
	tap(t, inj, "KeyI")
	chord(t, inj, "Digit1", "ShiftRight")
	np.WaitText(t, "Hi!")

	np.Clear()
	tap(t, inj, "KeyA", "KeyB", "KeyC", "KeyD")
	np.WaitText(t, "abcd")
	// Extended navigation and editing keys: each lands exactly once.
	tap(t, inj, "ArrowLeft", "ArrowLeft", "Delete")
	np.WaitText(t, "abd")
	tap(t, inj, "Home", "Delete")
	np.WaitText(t, "bd")
	tap(t, inj, "End", "Backspace")
	np.WaitText(t, "b")
	// Keypad keys that share scan codes with main-block keys and differ
	// only by the extended flag.
	tap(t, inj, "NumpadDivide", "NumpadEnter", "Slash")
	np.WaitText(t, "b/\r\n/")
	// Right Ctrl (extended) as a modifier: select all, then replace.
	chord(t, inj, "KeyA", "ControlRight")
	tap(t, inj, "KeyX")
	np.WaitText(t, "x")
}

func TestSendInputKeyMessages(t *testing.T) {
	inj := openSendInputT(t)
	x, y, _, _ := wintest.VirtualScreen()
	win := wintest.NewWindow(t, x+10, y+10, 200, 100, wintest.RGB(0, 128, 0))
	tests := []struct {
		code     string
		msg      uint32
		vk       int
		extended bool
	}{
		{"ArrowUp", wintest.WMKeyDown, 0x26, true},
		{"ArrowLeft", wintest.WMKeyDown, 0x25, true},
		{"Insert", wintest.WMKeyDown, 0x2d, true},
		{"Delete", wintest.WMKeyDown, 0x2e, true},
		{"Home", wintest.WMKeyDown, 0x24, true},
		{"End", wintest.WMKeyDown, 0x23, true},
		{"PageUp", wintest.WMKeyDown, 0x21, true},
		{"PageDown", wintest.WMKeyDown, 0x22, true},
		{"Enter", wintest.WMKeyDown, 0x0d, false},
		{"NumpadEnter", wintest.WMKeyDown, 0x0d, true},
		{"NumpadDivide", wintest.WMKeyDown, 0x6f, true},
		{"ControlLeft", wintest.WMKeyDown, 0x11, false},
		{"ControlRight", wintest.WMKeyDown, 0x11, true},
		{"ShiftRight", wintest.WMKeyDown, 0x10, false},
		{"AltLeft", wintest.WMSysKeyDown, 0x12, false},
		{"AltRight", wintest.WMSysKeyDown, 0x12, true},
		{"F5", wintest.WMKeyDown, 0x74, false},
		{"KeyQ", wintest.WMKeyDown, 'Q', false},
	}
	for _, tc := range tests {
		win.Drain()
		tap(t, inj, tc.code)
		ev := win.Next(t, tc.msg)
		if ev.VK != tc.vk || ev.Extended != tc.extended {
			t.Errorf("%s: vk %#x extended %v, want %#x %v", tc.code, ev.VK, ev.Extended, tc.vk, tc.extended)
		}
	}
}

func TestSendInputMouse(t *testing.T) {
	inj := openSendInputT(t)
	vx, vy, vw, vh := wintest.VirtualScreen()
	win := wintest.NewWindow(t, vx, vy, vw, vh, wintest.RGB(40, 40, 40))
	// Every column of one row and every row of one column: the cursor must
	// land on the exact pixel (a rounding error shows up as off by one on
	// part of the screen).
	for x := vx; x < vx+vw; x++ {
		if err := inj.MouseMove(x, vy+vh/2); err != nil {
			t.Fatal(err)
		}
		if !wintest.WaitCursor(x, vy+vh/2) {
			gx, gy := wintest.CursorPos()
			t.Fatalf("MouseMove(%d, %d): cursor at %d, %d", x, vy+vh/2, gx, gy)
		}
	}
	for y := vy; y < vy+vh; y++ {
		if err := inj.MouseMove(vx+vw/3, y); err != nil {
			t.Fatal(err)
		}
		if !wintest.WaitCursor(vx+vw/3, y) {
			gx, gy := wintest.CursorPos()
			t.Fatalf("MouseMove(%d, %d): cursor at %d, %d", vx+vw/3, y, gx, gy)
		}
	}
	// Clicks arrive where they were aimed, with the right button.
	clicks := []struct {
		x, y int
		b    Button
		msg  uint32
		xb   int
	}{
		{vx, vy, ButtonLeft, wintest.WMLButtonDown, 0},
		{vx + vw - 1, vy + vh - 1, ButtonLeft, wintest.WMLButtonDown, 0},
		{vx + 637, vy + 411, ButtonRight, wintest.WMRButtonDown, 0},
		{vx + 5, vy + vh - 7, ButtonMiddle, wintest.WMMButtonDown, 0},
		{vx + 301, vy + 203, ButtonBack, wintest.WMXButtonDown, 1},
		{vx + 302, vy + 204, ButtonForward, wintest.WMXButtonDown, 2},
	}
	for _, c := range clicks {
		win.Drain()
		if err := inj.MouseMove(c.x, c.y); err != nil {
			t.Fatal(err)
		}
		wintest.WaitCursor(c.x, c.y) // see WaitCursor: a click takes the cursor's position
		if err := inj.MouseButton(c.b, true); err != nil {
			t.Fatal(err)
		}
		if err := inj.MouseButton(c.b, false); err != nil {
			t.Fatal(err)
		}
		ev := win.Next(t, c.msg)
		if ev.X != c.x || ev.Y != c.y || ev.XButton != c.xb {
			t.Errorf("%s click at %d,%d arrived at %d,%d (xbutton %d)", c.b, c.x, c.y, ev.X, ev.Y, ev.XButton)
		}
	}
	// Wheel: one notch down is -WHEEL_DELTA; right is +WHEEL_DELTA.
	win.Drain()
	if err := inj.Wheel(0, 2); err != nil {
		t.Fatal(err)
	}
	if ev := win.Next(t, wintest.WMMouseWheel); ev.WheelDelta != -240 {
		t.Errorf("wheel down 2: delta %d, want -240", ev.WheelDelta)
	}
	if err := inj.Wheel(0, -1); err != nil {
		t.Fatal(err)
	}
	if ev := win.Next(t, wintest.WMMouseWheel); ev.WheelDelta != 120 {
		t.Errorf("wheel up 1: delta %d, want 120", ev.WheelDelta)
	}
	if err := inj.Wheel(1, 0); err != nil {
		t.Fatal(err)
	}
	if ev := win.Next(t, wintest.WMMouseHWheel); ev.WheelDelta != 120 {
		t.Errorf("wheel right 1: delta %d, want 120", ev.WheelDelta)
	}
}

func TestSendInputReleaseAll(t *testing.T) {
	inj := openSendInputT(t)
	x, y, _, _ := wintest.VirtualScreen()
	wintest.NewWindow(t, x+10, y+10, 100, 100, wintest.RGB(0, 0, 128))
	for _, c := range []string{"ShiftLeft", "ControlRight"} {
		if err := inj.Key(c, true); err != nil {
			t.Fatal(err)
		}
	}
	if !wintest.KeyDown(0xa0) || !wintest.KeyDown(0xa3) {
		t.Fatal("keys not down after Key")
	}
	if err := inj.ReleaseAll(); err != nil {
		t.Fatal(err)
	}
	if wintest.KeyDown(0xa0) || wintest.KeyDown(0xa3) {
		t.Error("keys still down after ReleaseAll")
	}
}

// TestSecureAttentionRefused checks the error outside a LocalSystem
// service (always the case under Wine), and that the Ctrl+Alt+Delete chord
// then falls back to plain keys instead of failing.
func TestSecureAttentionRefused(t *testing.T) {
	inj := openSendInputT(t)
	if system, _ := isLocalSystemForTest(); system {
		t.Skip("running as LocalSystem: SendSAS would really lock the screen")
	}
	if err := SecureAttention(inj); !errors.Is(err, ErrSASUnavailable) {
		t.Fatalf("SecureAttention = %v, want ErrSASUnavailable", err)
	}
	x, y, _, _ := wintest.VirtualScreen()
	win := wintest.NewWindow(t, x+10, y+10, 100, 100, wintest.RGB(0, 0, 128))
	win.Drain()
	chord(t, inj, "Delete", "ControlLeft", "AltLeft")
	win.NextKey(t, 0x2e)
}
