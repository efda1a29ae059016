package input

import (
	"fmt"
	"sync"
	"unicode/utf16"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The Windows backend calls user32!SendInput through lazily loaded procs,
// so the agent builds without cgo. Limits that no code here can lift:
// SendInput cannot reach windows of a higher integrity level (UIPI: an
// elevated window ignores a non-elevated agent) nor the secure desktop
// (UAC prompt, lock screen); absolute coordinates are physical pixels only
// when the process is per-monitor DPI aware.

func init() { register(BackendSendInput, 100, openSendInput) }

var (
	user32               = windows.NewLazySystemDLL("user32.dll")
	procSendInput        = user32.NewProc("SendInput")
	procGetSystemMetrics = user32.NewProc("GetSystemMetrics")
)

const (
	inputMouse    = 0
	inputKeyboard = 1

	mouseeventfMove        = 0x0001
	mouseeventfLeftDown    = 0x0002
	mouseeventfLeftUp      = 0x0004
	mouseeventfRightDown   = 0x0008
	mouseeventfRightUp     = 0x0010
	mouseeventfMiddleDown  = 0x0020
	mouseeventfMiddleUp    = 0x0040
	mouseeventfXDown       = 0x0080
	mouseeventfXUp         = 0x0100
	mouseeventfWheel       = 0x0800
	mouseeventfHWheel      = 0x1000
	mouseeventfVirtualDesk = 0x4000
	mouseeventfAbsolute    = 0x8000

	keyeventfExtendedKey = 0x0001
	keyeventfKeyUp       = 0x0002
	keyeventfUnicode     = 0x0004
	keyeventfScanCode    = 0x0008

	xbutton1   = 1
	xbutton2   = 2
	wheelDelta = 120

	smXVirtualScreen  = 76
	smYVirtualScreen  = 77
	smCXVirtualScreen = 78
	smCYVirtualScreen = 79

	vkPause   = 0x13
	vkNumLock = 0x90

	// maxBatch bounds one SendInput call; long pasted text is split.
	maxBatch = 512
)

// mouseInput and keybdInput mirror MOUSEINPUT and KEYBDINPUT; the INPUT
// wrappers mirror the INPUT union, padded to the same size on 32- and 64-bit.
type mouseInput struct {
	dx, dy    int32
	mouseData uint32
	flags     uint32
	time      uint32
	extra     uintptr
}

type keybdInput struct {
	vk, scan uint16
	flags    uint32
	time     uint32
	extra    uintptr
}

type mouseINPUT struct {
	typ uint32
	mi  mouseInput
}

type keybdINPUT struct {
	typ uint32
	ki  keybdInput
	_   [8]byte // MOUSEINPUT is the union's largest member
}

// Both INPUT variants must have sizeof(INPUT); these fail to compile if not.
var (
	_ [unsafe.Sizeof(mouseINPUT{}) - unsafe.Sizeof(keybdINPUT{})]byte
	_ [unsafe.Sizeof(keybdINPUT{}) - unsafe.Sizeof(mouseINPUT{})]byte
)

// sendInput submits events in batches; SendInput inserts a batch without
// interleaving other input, which keeps a typed string or a modifier
// release atomic.
func sendInput[T mouseINPUT | keybdINPUT](in []T) error {
	for len(in) > 0 {
		n := min(len(in), maxBatch)
		r, _, callErr := procSendInput.Call(uintptr(n), uintptr(unsafe.Pointer(&in[0])), unsafe.Sizeof(in[0]))
		if int(r) != n {
			return fmt.Errorf("input: SendInput inserted %d of %d events (input blocked by another thread or desktop): %w", r, n, callErr)
		}
		in = in[n:]
	}
	return nil
}

func systemMetric(i uintptr) int {
	r, _, _ := procGetSystemMetrics.Call(i)
	return int(int32(r))
}

type sendInputInjector struct {
	mu       sync.Mutex
	keysDown map[string]keybdInput // code -> the key-down event we sent
	buttons  map[Button]bool
	closed   bool
}

func openSendInput(*config) (Injector, error) {
	if err := procSendInput.Find(); err != nil {
		return nil, fmt.Errorf("user32 SendInput: %w", err)
	}
	if err := procGetSystemMetrics.Find(); err != nil {
		return nil, fmt.Errorf("user32 GetSystemMetrics: %w", err)
	}
	return &sendInputInjector{keysDown: map[string]keybdInput{}, buttons: map[Button]bool{}}, nil
}

func (w *sendInputInjector) Name() string { return BackendSendInput }

func (w *sendInputInjector) lock() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	return nil
}

func mouse(flags, data uint32, dx, dy int32) mouseINPUT {
	return mouseINPUT{typ: inputMouse, mi: mouseInput{dx: dx, dy: dy, mouseData: data, flags: flags}}
}

// normalize maps a virtual-desktop coordinate to SendInput's 0..65535
// range across the virtual desktop (MOUSEEVENTF_VIRTUALDESK).
func normalize(v, origin, size int) int32 {
	if size <= 1 {
		return 0
	}
	v = max(origin, min(origin+size-1, v))
	return int32((int64(v-origin)*65535 + int64(size-1)/2) / int64(size-1))
}

func (w *sendInputInjector) MouseMove(x, y int) error {
	if err := w.lock(); err != nil {
		return err
	}
	defer w.mu.Unlock()
	// Read the layout per move: monitors come and go, and the call is
	// cheap next to SendInput itself.
	nx := normalize(x, systemMetric(smXVirtualScreen), systemMetric(smCXVirtualScreen))
	ny := normalize(y, systemMetric(smYVirtualScreen), systemMetric(smCYVirtualScreen))
	return sendInput([]mouseINPUT{mouse(mouseeventfMove|mouseeventfAbsolute|mouseeventfVirtualDesk, 0, nx, ny)})
}

func buttonFlags(b Button, down bool) (flags, data uint32, ok bool) {
	type pair struct{ down, up, data uint32 }
	p, ok := map[Button]pair{
		ButtonLeft:    {mouseeventfLeftDown, mouseeventfLeftUp, 0},
		ButtonRight:   {mouseeventfRightDown, mouseeventfRightUp, 0},
		ButtonMiddle:  {mouseeventfMiddleDown, mouseeventfMiddleUp, 0},
		ButtonBack:    {mouseeventfXDown, mouseeventfXUp, xbutton1},
		ButtonForward: {mouseeventfXDown, mouseeventfXUp, xbutton2},
	}[b]
	if down {
		return p.down, p.data, ok
	}
	return p.up, p.data, ok
}

func (w *sendInputInjector) MouseButton(b Button, down bool) error {
	flags, data, ok := buttonFlags(b, down)
	if !ok {
		return fmt.Errorf("input: unknown mouse button %d", b)
	}
	if err := w.lock(); err != nil {
		return err
	}
	defer w.mu.Unlock()
	if err := sendInput([]mouseINPUT{mouse(flags, data, 0, 0)}); err != nil {
		return err
	}
	if down {
		w.buttons[b] = true
	} else {
		delete(w.buttons, b)
	}
	return nil
}

func (w *sendInputInjector) Wheel(dx, dy int) error {
	if err := w.lock(); err != nil {
		return err
	}
	defer w.mu.Unlock()
	var in []mouseINPUT
	// Windows: positive WHEEL is away from the user (up), positive HWHEEL
	// is to the right.
	if dy = clampNotches(dy); dy != 0 {
		in = append(in, mouse(mouseeventfWheel, uint32(int32(-dy*wheelDelta)), 0, 0))
	}
	if dx = clampNotches(dx); dx != 0 {
		in = append(in, mouse(mouseeventfHWheel, uint32(int32(dx*wheelDelta)), 0, 0))
	}
	return sendInput(in)
}

// keyEvent builds the key-down event for a table row: by scan code, so
// the key is the physical one under any layout, except for the two keys
// whose scan codes Windows treats ambiguously (Pause shares 0x45 with
// NumLock), which go by virtual key.
func keyEvent(d *keyDef) (keybdInput, bool) {
	switch d.code {
	case "Pause":
		return keybdInput{vk: vkPause, scan: 0x45}, true
	case "NumLock":
		return keybdInput{vk: vkNumLock, scan: 0x45, flags: keyeventfExtendedKey}, true
	}
	if d.win == 0 {
		return keybdInput{}, false
	}
	k := keybdInput{scan: d.win & 0xff, flags: keyeventfScanCode}
	if d.win>>8 == 0xe0 {
		k.flags |= keyeventfExtendedKey
	}
	return k, true
}

func keybd(k keybdInput, up bool) keybdINPUT {
	if up {
		k.flags |= keyeventfKeyUp
	}
	return keybdINPUT{typ: inputKeyboard, ki: k}
}

func (w *sendInputInjector) Key(code string, down bool) error {
	def, ok := lookupCode(code)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownKey, code)
	}
	k, ok := keyEvent(def)
	if !ok {
		return fmt.Errorf("%w: %q has no Windows scan code", ErrUnknownKey, code)
	}
	if err := w.lock(); err != nil {
		return err
	}
	defer w.mu.Unlock()
	if !down {
		held, ok := w.keysDown[def.code]
		if !ok {
			return nil // never pressed by us: do not lift the local user's key
		}
		delete(w.keysDown, def.code)
		return sendInput([]keybdINPUT{keybd(held, true)})
	}
	if err := sendInput([]keybdINPUT{keybd(k, false)}); err != nil {
		return err
	}
	w.keysDown[def.code] = k
	return nil
}

// textControlKeys types these characters as their keys: many programs
// ignore a VK_PACKET carrying a control character.
var textControlKeys = map[rune]string{'\n': "Enter", '\t': "Tab", '\b': "Backspace"}

func (w *sendInputInjector) Text(s string) error {
	runes := normalizeText(s)
	if len(runes) == 0 {
		return nil
	}
	if err := w.lock(); err != nil {
		return err
	}
	defer w.mu.Unlock()
	var in, lifted []keybdINPUT
	for code, k := range w.keysDown {
		if modifierCodes[code] {
			in = append(in, keybd(k, true))
			lifted = append(lifted, keybd(k, false))
		}
	}
	for _, r := range runes {
		if code, ok := textControlKeys[r]; ok {
			d, _ := lookupCode(code)
			k, _ := keyEvent(d)
			in = append(in, keybd(k, false), keybd(k, true))
			continue
		}
		if r < 0x20 || r == 0x7f {
			continue // other control characters cannot be typed
		}
		for _, u := range utf16.Encode([]rune{r}) {
			k := keybdInput{scan: u, flags: keyeventfUnicode}
			in = append(in, keybd(k, false), keybd(k, true))
		}
	}
	return sendInput(append(in, lifted...))
}

func (w *sendInputInjector) ReleaseAll() error {
	if err := w.lock(); err != nil {
		return err
	}
	defer w.mu.Unlock()
	return w.releaseAll()
}

func (w *sendInputInjector) releaseAll() error {
	var keys []keybdINPUT
	for code, k := range w.keysDown {
		keys = append(keys, keybd(k, true))
		delete(w.keysDown, code)
	}
	var buttons []mouseINPUT
	for b := range w.buttons {
		flags, data, _ := buttonFlags(b, false)
		buttons = append(buttons, mouse(flags, data, 0, 0))
		delete(w.buttons, b)
	}
	if err := sendInput(keys); err != nil {
		return err
	}
	return sendInput(buttons)
}

func (w *sendInputInjector) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	return w.releaseAll()
}
