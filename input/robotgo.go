//go:build robotgo

// The robotgo backend is a cgo fallback, compiled only with -tags robotgo
// so that the default build needs no C toolchain or X11 headers. It exists
// for hosts where the pure-Go backends do not work; it is slower (each call
// crosses cgo and, on X11, typing goes through robotgo's own remapping) and
// cannot press the Back/Forward buttons.

package input

import (
	"fmt"
	"os"
	"sync"

	"github.com/go-vgo/robotgo"
)

func init() {
	// robotgo sleeps after every event by default (MouseSleep, KeySleep);
	// the agent paces events itself, so the sleeps only add latency.
	robotgo.MouseSleep = 0
	robotgo.KeySleep = 0
	register(BackendRobotgo, 10, openRobotgo)
}

// robotgoNames covers the codes whose robotgo name is not the character
// their key types (letters, digits and punctuation use that character).
var robotgoNames = map[string]string{
	"Enter": "enter", "Escape": "esc", "Backspace": "backspace", "Tab": "tab", "Space": "space",
	"Insert": "insert", "Delete": "delete", "Home": "home", "End": "end",
	"PageUp": "pageup", "PageDown": "pagedown",
	"ArrowLeft": "left", "ArrowUp": "up", "ArrowRight": "right", "ArrowDown": "down",
	"PrintScreen": "printscreen", "ScrollLock": "scroll_lock", "Pause": "pause_break",
	"ContextMenu": "menu", "CapsLock": "capslock", "NumLock": "num_lock",
	"ShiftLeft": "shiftl", "ShiftRight": "shiftr", "ControlLeft": "ctrll", "ControlRight": "ctrlr",
	"AltLeft": "altl", "AltRight": "altr", "MetaLeft": "cmdl", "MetaRight": "cmdr",
	"NumpadEnter": "num_enter", "NumpadEqual": "num_equal",
	"NumpadAdd": "+", "NumpadSubtract": "-", "NumpadMultiply": "*", "NumpadDivide": "/", "NumpadDecimal": ".",
	"AudioVolumeMute": "audio_mute", "AudioVolumeDown": "audio_vol_down", "AudioVolumeUp": "audio_vol_up",
	"MediaPlayPause": "audio_play", "MediaStop": "audio_stop",
	"MediaTrackPrevious": "audio_prev", "MediaTrackNext": "audio_next",
}

// robotgoKey returns robotgo's name for a table row, or "" if it has none.
func robotgoKey(d *keyDef) string {
	if n, ok := robotgoNames[d.code]; ok {
		return n
	}
	switch ks := d.keysyms[0]; {
	case ks >= 0xffb0 && ks <= 0xffb9: // KP_0..KP_9
		return fmt.Sprintf("num%d", ks-0xffb0)
	case ks >= 0xffbe && ks <= 0xffd5: // F1..F24
		return fmt.Sprintf("f%d", ks-0xffbe+1)
	case ks > 0x20 && ks < 0x7f:
		return string(rune(ks))
	}
	return ""
}

type robotgoInjector struct {
	mu      sync.Mutex
	keys    map[string]string // code -> robotgo name, for keys we hold
	buttons map[string]bool
	closed  bool
}

func openRobotgo(cfg *config) (Injector, error) {
	if cfg.Display != "" {
		if err := robotgo.SetXDisplayName(cfg.Display); err != nil {
			return nil, fmt.Errorf("robotgo display %q: %w", cfg.Display, err)
		}
		// robotgo types non-ASCII text through a second XOpenDisplay(NULL)
		// connection that ignores SetXDisplayName and crashes when $DISPLAY
		// is unset, so point $DISPLAY at the same server.
		if err := os.Setenv("DISPLAY", cfg.Display); err != nil {
			return nil, fmt.Errorf("robotgo: set DISPLAY: %w", err)
		}
	}
	return &robotgoInjector{keys: map[string]string{}, buttons: map[string]bool{}}, nil
}

func (r *robotgoInjector) Name() string { return BackendRobotgo }

func (r *robotgoInjector) lock() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	return nil
}

func (r *robotgoInjector) MouseMove(x, y int) error {
	if err := r.lock(); err != nil {
		return err
	}
	defer r.mu.Unlock()
	robotgo.Move(x, y)
	return nil
}

func upDown(down bool) string {
	if down {
		return "down"
	}
	return "up"
}

func (r *robotgoInjector) MouseButton(b Button, down bool) error {
	name, ok := map[Button]string{ButtonLeft: "left", ButtonMiddle: "center", ButtonRight: "right"}[b]
	if !ok {
		return fmt.Errorf("input: robotgo cannot press the %v button", b)
	}
	if err := r.lock(); err != nil {
		return err
	}
	defer r.mu.Unlock()
	if err := robotgo.Toggle(name, upDown(down)); err != nil {
		return fmt.Errorf("input: robotgo toggle %s: %w", name, err)
	}
	if down {
		r.buttons[name] = true
	} else {
		delete(r.buttons, name)
	}
	return nil
}

func (r *robotgoInjector) Wheel(dx, dy int) error {
	if err := r.lock(); err != nil {
		return err
	}
	defer r.mu.Unlock()
	// robotgo scrolls up for y > 0 and left for x > 0; its third
	// argument is a sleep after the event, which we do not want.
	robotgo.Scroll(-clampNotches(dx), -clampNotches(dy), 0)
	return nil
}

func (r *robotgoInjector) Key(code string, down bool) error {
	def, ok := lookupCode(code)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownKey, code)
	}
	name := robotgoKey(def)
	if name == "" {
		return fmt.Errorf("%w: %q has no robotgo name", ErrUnknownKey, code)
	}
	if err := r.lock(); err != nil {
		return err
	}
	defer r.mu.Unlock()
	if !down {
		if _, held := r.keys[def.code]; !held {
			return nil
		}
		delete(r.keys, def.code)
	}
	if err := robotgo.KeyToggle(name, upDown(down)); err != nil {
		return fmt.Errorf("input: robotgo key %s: %w", name, err)
	}
	if down {
		r.keys[def.code] = name
	}
	return nil
}

func (r *robotgoInjector) Text(s string) error {
	runes := normalizeText(s)
	if err := r.lock(); err != nil {
		return err
	}
	defer r.mu.Unlock()
	// Lift held modifiers so typed text does not become shortcuts.
	var lifted []string
	for code, name := range r.keys {
		if modifierCodes[code] {
			if err := robotgo.KeyToggle(name, "up"); err == nil {
				lifted = append(lifted, name)
			}
		}
	}
	// pid 0, no sleep between characters or after multi-rune chunks.
	robotgo.Type(string(runes), 0, 0, 0)
	var err error
	for _, name := range lifted {
		if e := robotgo.KeyToggle(name, "down"); e != nil && err == nil {
			err = fmt.Errorf("input: robotgo re-press %s: %w", name, e)
		}
	}
	return err
}

func (r *robotgoInjector) ReleaseAll() error {
	if err := r.lock(); err != nil {
		return err
	}
	defer r.mu.Unlock()
	return r.releaseAll()
}

func (r *robotgoInjector) releaseAll() error {
	var first error
	for code, name := range r.keys {
		if err := robotgo.KeyToggle(name, "up"); err != nil && first == nil {
			first = fmt.Errorf("input: robotgo release %s: %w", name, err)
		}
		delete(r.keys, code)
	}
	for name := range r.buttons {
		if err := robotgo.Toggle(name, "up"); err != nil && first == nil {
			first = fmt.Errorf("input: robotgo release %s: %w", name, err)
		}
		delete(r.buttons, name)
	}
	return first
}

func (r *robotgoInjector) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	return r.releaseAll()
}
