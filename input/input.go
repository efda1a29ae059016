// Package input injects the remote viewer's mouse and keyboard events into
// the local desktop.
//
// The package has three parts:
//
//   - an OS-independent [Injector] interface, implemented by backends that
//     register themselves from per-OS files (xtest_linux.go,
//     sendinput_windows.go, quartz_darwin.go, robotgo.go behind the
//     "robotgo" build tag);
//   - [Open], which picks the best backend available at run time;
//   - a table from browser KeyboardEvent.code values to X keysyms and
//     Windows scan codes ([KnownCode], [Codes]), shared by the backends so
//     that every platform understands the same key names.
//
// Keys are named by KeyboardEvent.code (the physical key), not by
// KeyboardEvent.key: that way a modifier the viewer holds combines with the
// next key exactly as on a local keyboard, and shortcuts keep working when
// the viewer's layout differs. Text that has no key (IME output, pasted
// text, characters missing from the local layout) goes through
// [Injector.Text] instead.
//
// On macOS the quartz backend posts CGEvents without cgo (purego); it
// needs the Accessibility permission ([ErrAccessibilityPermission]) and
// has only been compiled, not run, in this project's CI.
package input

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/tetherhq/tether/internal/backends"
)

// Injector sends synthetic input to the local desktop. Implementations are
// safe for concurrent use; events from one goroutine are delivered in order.
type Injector interface {
	// MouseMove moves the pointer to x, y in virtual-desktop coordinates
	// (the same space as capture.Display).
	MouseMove(x, y int) error
	// MouseButton presses (down) or releases a button.
	MouseButton(b Button, down bool) error
	// Wheel scrolls by whole notches; dy > 0 scrolls down, dx > 0 right.
	Wheel(dx, dy int) error
	// Key presses or releases the physical key named by a browser
	// KeyboardEvent.code such as "KeyA", "ShiftLeft", "Enter" or "F5".
	// Unknown codes return an error wrapping [ErrUnknownKey].
	Key(code string, down bool) error
	// Text types s, including characters that have no key on the current
	// layout. Modifiers held through Key are lifted while typing.
	Text(s string) error
	// ReleaseAll releases every key and button this Injector pressed and
	// has not released; call it when the viewer disconnects.
	ReleaseAll() error
	// Close releases everything, undoes temporary keyboard changes and
	// frees the backend's resources.
	Close() error
	// Name is the backend's name, one of the Backend* constants.
	Name() string
}

// Button is a mouse button.
type Button uint8

// Mouse buttons understood by [Injector.MouseButton].
const (
	ButtonLeft Button = iota + 1
	ButtonMiddle
	ButtonRight
	ButtonBack    // "browser back" thumb button (X button 8, XBUTTON1)
	ButtonForward // "browser forward" thumb button (X button 9, XBUTTON2)
)

// String returns the button's lower-case name.
func (b Button) String() string {
	switch b {
	case ButtonLeft:
		return "left"
	case ButtonMiddle:
		return "middle"
	case ButtonRight:
		return "right"
	case ButtonBack:
		return "back"
	case ButtonForward:
		return "forward"
	}
	return fmt.Sprintf("button(%d)", uint8(b))
}

// ButtonFromDOM converts a browser MouseEvent.button value (0 main,
// 1 auxiliary, 2 secondary, 3 back, 4 forward) to a [Button].
func ButtonFromDOM(n int) (Button, bool) {
	if n < 0 || n > 4 {
		return 0, false
	}
	return [...]Button{ButtonLeft, ButtonMiddle, ButtonRight, ButtonBack, ButtonForward}[n], true
}

// Backend names accepted by [WithBackend] and the TETHER_INPUT variable.
const (
	BackendXTest     = "xtest"     // Linux/X11, pure Go over the XTEST extension
	BackendRobotgo   = "robotgo"   // cgo fallback, only with -tags robotgo
	BackendSendInput = "sendinput" // Windows user32 SendInput
)

// EnvBackend names the environment variable that forces one backend (for
// example TETHER_INPUT=robotgo); [WithBackend] takes precedence over it.
const EnvBackend = "TETHER_INPUT"

// MaxWheelNotches bounds one Wheel call so that a corrupt or hostile value
// cannot make the agent spin sending millions of events.
const MaxWheelNotches = 100

var (
	// ErrUnsupported is returned by [Open] when no backend can work on
	// this platform or session.
	ErrUnsupported = errors.New("input: input injection is not supported on this platform")
	// ErrUnknownKey is wrapped by Key for a code missing from the table.
	ErrUnknownKey = errors.New("input: unknown key code")
	// ErrClosed is wrapped by every call after Close or after the
	// connection to the display was lost.
	ErrClosed = errors.New("input: injector closed")
	// ErrSASUnavailable is wrapped by [SecureAttention] when this backend
	// or this process cannot raise Ctrl+Alt+Del.
	ErrSASUnavailable = errors.New("input: Ctrl+Alt+Del (secure attention sequence) cannot be sent from this process")
)

// SecureAttentioner is implemented by injectors that can raise the secure
// attention sequence (Ctrl+Alt+Del), which no injected key press can: the
// Windows backend does it with SendSAS when the agent runs as the
// LocalSystem service. The Windows backend also turns a Ctrl+Alt+Delete
// chord sent through Key into it.
type SecureAttentioner interface {
	SecureAttention() error
}

// SecureAttention asks inj to send Ctrl+Alt+Del; the error wraps
// [ErrSASUnavailable] when the backend or the process cannot.
func SecureAttention(inj Injector) error {
	if s, ok := inj.(SecureAttentioner); ok {
		return s.SecureAttention()
	}
	return fmt.Errorf("%w (backend %s)", ErrSASUnavailable, inj.Name())
}

// Option configures [Open].
type Option = backends.Option

type config = backends.Config

// WithBackend forces one backend by name instead of trying them in order.
func WithBackend(name string) Option { return backends.WithBackend(name) }

// WithX11Display selects the X display (":0", ":1.0", ...) instead of
// $DISPLAY.
func WithX11Display(name string) Option { return backends.WithX11Display(name) }

// WithXAuthority selects the X11 authority file instead of $XAUTHORITY.
func WithXAuthority(path string) Option { return backends.WithXAuthority(path) }

// WithLogger sets the logger for backend selection and asynchronous
// errors; the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return backends.WithLogger(l) }

// registry holds the compiled-in backends; per-OS files register theirs
// from init() so that the portable code never names an OS-specific type.
var registry = &backends.Registry[Injector, *config]{Kind: "input", Unsupported: ErrUnsupported}

func register(name string, priority int, open func(*config) (Injector, error)) {
	registry.Register(name, priority, open)
}

// Backends returns the names of the backends compiled in, best first.
func Backends() []string { return registry.Names() }

// Open returns the best working backend, or the one forced by
// [WithBackend] or $TETHER_INPUT. When a backend fails to open, the next one
// is tried and the failure is logged.
func Open(opts ...Option) (Injector, error) {
	cfg := backends.NewConfig(EnvBackend, opts)
	return registry.Open(cfg.Backend, cfg, cfg.Logger)
}

// clampNotches limits a wheel amount to ±MaxWheelNotches.
func clampNotches(n int) int {
	return max(-MaxWheelNotches, min(MaxWheelNotches, n))
}

// normalizeText turns the line endings a browser may send ("\r\n", "\r")
// into "\n", so that one Enter is typed per line on every platform.
func normalizeText(s string) []rune {
	out := make([]rune, 0, len(s))
	rs := []rune(s)
	for i, r := range rs {
		if r == '\r' {
			if i+1 < len(rs) && rs[i+1] == '\n' {
				continue
			}
			r = '\n'
		}
		out = append(out, r)
	}
	return out
}
