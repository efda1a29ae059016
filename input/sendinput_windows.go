package input

import (
	"fmt"
	"log/slog"
	"sync"
	"unicode/utf16"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/tetherhq/tether/internal/winapi"
)

// The Windows backend calls user32!SendInput through lazily loaded procs,
// so the agent builds without cgo. Limits that no code here can lift:
// SendInput cannot reach windows of a higher integrity level (UIPI: an
// elevated window ignores a non-elevated agent), and it reaches the secure
// desktop (lock screen, UAC prompt) only from a LocalSystem process, which
// then follows the input desktop (see winapi.DesktopFollower).

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

// sendInput submits events in batches and returns how many were inserted.
// SendInput inserts a batch without interleaving other input, which keeps
// a typed string or a modifier release atomic.
func sendInput[T mouseINPUT | keybdINPUT](in []T) (int, error) {
	done := 0
	for done < len(in) {
		n := min(len(in)-done, maxBatch)
		r, _, callErr := procSendInput.Call(uintptr(n), uintptr(unsafe.Pointer(&in[done])), unsafe.Sizeof(in[0]))
		done += int(r)
		if int(r) != n {
			return done, fmt.Errorf("input: SendInput inserted %d of %d events (blocked by UIPI or another desktop): %w", r, n, callErr)
		}
	}
	return done, nil
}

func systemMetric(i uintptr) int {
	r, _, _ := procGetSystemMetrics.Call(i)
	return int(int32(r))
}

// sendInputInjector runs every SendInput on one locked OS thread: a thread
// injects into the desktop it is attached to, and only a dedicated thread
// can be moved to the secure desktop (SetThreadDesktop) without dragging
// random goroutines along.
type sendInputInjector struct {
	log  *slog.Logger
	th   *winapi.Thread
	desk winapi.DesktopFollower // used on th only

	mu       sync.Mutex
	keysDown map[string]keybdInput // code -> the key-down event we sent
	buttons  map[Button]bool
	sasDown  bool // the Delete of a Ctrl+Alt+Del chord went to SendSAS
	closed   bool
}

func openSendInput(cfg *config) (Injector, error) {
	if err := procSendInput.Find(); err != nil {
		return nil, fmt.Errorf("user32 SendInput: %w", err)
	}
	if err := procGetSystemMetrics.Find(); err != nil {
		return nil, fmt.Errorf("user32 GetSystemMetrics: %w", err)
	}
	// Absolute coordinates are physical pixels only in a DPI-aware process
	// (otherwise Windows scales them on a 150 % monitor).
	dpi, err := winapi.EnableDPIAwareness()
	if err != nil {
		cfg.Logger.Warn("input: DPI awareness not set; coordinates may be scaled", "err", err)
	}
	w := &sendInputInjector{log: cfg.Logger, keysDown: map[string]keybdInput{}, buttons: map[Button]bool{}}
	w.th = winapi.StartThread(func() {
		if switched, err := w.desk.Follow(); err != nil {
			w.log.Debug("input: input desktop not reachable", "err", err)
		} else if switched {
			w.log.Info("input: attached to the input desktop", "desktop", w.desk.Name())
		}
	})
	cfg.Logger.Debug("sendinput backend ready", "dpi", dpi.String(), "desktop", w.desk.Name())
	return w, nil
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

// inject sends events from the injector's thread. When SendInput refuses
// them, the input desktop may have changed (lock screen, UAC prompt): the
// thread follows it and sends the rest once more.
func inject[T mouseINPUT | keybdINPUT](w *sendInputInjector, in []T) error {
	if len(in) == 0 {
		return nil
	}
	var err error
	if derr := w.th.Do(func() {
		var n int
		n, err = sendInput(in)
		if err == nil {
			return
		}
		switched, ferr := w.desk.Follow()
		if !switched {
			if ferr != nil {
				w.log.Debug("input: cannot follow the input desktop", "err", ferr)
			}
			return
		}
		w.log.Info("input: input desktop changed", "desktop", w.desk.Name())
		_, err = sendInput(in[n:])
	}); derr != nil {
		return ErrClosed
	}
	if err == nil {
		winapi.Injected.Notify() // the screen is about to change: see capture's GDI backend
	}
	return err
}

func mouse(flags, data uint32, dx, dy int32) mouseINPUT {
	return mouseINPUT{typ: inputMouse, mi: mouseInput{dx: dx, dy: dy, mouseData: data, flags: flags}}
}

// normalize maps a virtual-desktop coordinate to SendInput's 0..65535
// range across the virtual desktop (MOUSEEVENTF_VIRTUALDESK). It aims at the
// centre of the pixel: Windows and Wine both map back with
// floor(n * size / 65536), and the naive n = v*65535/(size-1) lands one
// pixel short on part of the screen (measured under Wine: 10 of 1280
// columns). Clamped so that a viewer's stale coordinates after a
// resolution change stay on screen.
func normalize(v, origin, size int) int32 {
	if size <= 1 {
		return 0
	}
	v = max(origin, min(origin+size-1, v))
	return int32((int64(v-origin)*65536 + 32768) / int64(size))
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
	return inject(w, []mouseINPUT{mouse(mouseeventfMove|mouseeventfAbsolute|mouseeventfVirtualDesk, 0, nx, ny)})
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
	if err := inject(w, []mouseINPUT{mouse(flags, data, 0, 0)}); err != nil {
		return err
	}
	if down {
		w.buttons[b] = true
	} else {
		delete(w.buttons, b)
	}
	return nil
}

// wheelEvents converts notches to events. Windows: positive WHEEL is away
// from the user (up), positive HWHEEL is to the right.
func wheelEvents(dx, dy int) []mouseINPUT {
	var in []mouseINPUT
	if dy = clampNotches(dy); dy != 0 {
		in = append(in, mouse(mouseeventfWheel, uint32(int32(-dy*wheelDelta)), 0, 0))
	}
	if dx = clampNotches(dx); dx != 0 {
		in = append(in, mouse(mouseeventfHWheel, uint32(int32(dx*wheelDelta)), 0, 0))
	}
	return in
}

func (w *sendInputInjector) Wheel(dx, dy int) error {
	if err := w.lock(); err != nil {
		return err
	}
	defer w.mu.Unlock()
	return inject(w, wheelEvents(dx, dy))
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
	k, ok := winKeyEvent(def)
	if !ok {
		return fmt.Errorf("%w: %q has no Windows scan code", ErrUnknownKey, code)
	}
	if err := w.lock(); err != nil {
		return err
	}
	defer w.mu.Unlock()
	if !down {
		if def.code == "Delete" && w.sasDown {
			w.sasDown = false
			return nil // its press became SendSAS: nothing to release
		}
		held, ok := w.keysDown[def.code]
		if !ok {
			return nil // never pressed by us: do not lift the local user's key
		}
		delete(w.keysDown, def.code)
		return inject(w, []keybdINPUT{keybd(held, true)})
	}
	if def.code == "Delete" && w.ctrlAltHeld() {
		// Windows ignores an injected Ctrl+Alt+Del; the viewer's chord
		// (a "Ctrl+Alt+Del" button sends exactly these keys) becomes the
		// real secure attention sequence where this process may send it.
		if err := w.secureAttention(); err == nil {
			w.sasDown = true
			return nil
		} else {
			w.log.Debug("input: Ctrl+Alt+Del typed as keys", "err", err)
		}
	}
	if err := inject(w, []keybdINPUT{keybd(k, false)}); err != nil {
		return err
	}
	w.keysDown[def.code] = k
	return nil
}

func (w *sendInputInjector) ctrlAltHeld() bool {
	_, lc := w.keysDown["ControlLeft"]
	_, rc := w.keysDown["ControlRight"]
	_, la := w.keysDown["AltLeft"]
	_, ra := w.keysDown["AltRight"]
	return (lc || rc) && (la || ra)
}

// textControlKeys types these characters as their keys: many programs
// ignore a VK_PACKET carrying a control character.
var textControlKeys = map[rune]string{'\n': "Enter", '\t': "Tab", '\b': "Backspace"}

// textEvents builds the events that type runes: control characters as
// their keys, everything else as KEYEVENTF_UNICODE (VK_PACKET) events, one
// down/up pair per UTF-16 unit, so characters outside the BMP go as their
// surrogate pair and arrive as two WM_CHARs, as from an IME.
func textEvents(runes []rune) []keybdINPUT {
	var in []keybdINPUT
	for _, r := range runes {
		if code, ok := textControlKeys[r]; ok {
			d, _ := lookupCode(code)
			k, _ := winKeyEvent(d)
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
	return in
}

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
	in = append(in, textEvents(runes)...)
	return inject(w, append(in, lifted...))
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
	w.sasDown = false
	var buttons []mouseINPUT
	for b := range w.buttons {
		flags, data, _ := buttonFlags(b, false)
		buttons = append(buttons, mouse(flags, data, 0, 0))
		delete(w.buttons, b)
	}
	if err := inject(w, keys); err != nil {
		return err
	}
	return inject(w, buttons)
}

func (w *sendInputInjector) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	err := w.releaseAll()
	w.closed = true
	w.th.Stop(w.desk.Close)
	return err
}
