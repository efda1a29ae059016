package input

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"

	"github.com/tetherhq/tether/internal/x11"
)

func init() { register(BackendXTest, 100, openXTest) }

// xButtons maps our buttons to X core pointer buttons. 4–7 are the wheel.
var xButtons = map[Button]byte{
	ButtonLeft: 1, ButtonMiddle: 2, ButtonRight: 3, ButtonBack: 8, ButtonForward: 9,
}

// Wheel buttons of the X core protocol.
const (
	xWheelUp    = 4
	xWheelDown  = 5
	xWheelLeft  = 6
	xWheelRight = 7
)

// xtestInjector drives the X server through the XTEST extension.
//
// Requests are sent unchecked: jezek/xgb writes each request to the socket
// as soon as it is issued, and the server handles one connection's requests
// in order, so events stay ordered without a round trip per event. Errors
// come back asynchronously and are logged by the event loop; only
// ReleaseAll, Close and keymap changes wait for the server.
type xtestInjector struct {
	conn *xgb.Conn
	root xproto.Window
	log  *slog.Logger

	mu       sync.Mutex
	km       *xKeymap
	keysDown map[string]keyPress // by KeyboardEvent.code
	buttons  map[byte]bool       // X buttons we hold
	restore  *time.Timer         // puts remapped spare keycodes back
	closed   bool

	// dirty is set by the event loop when another client changed the
	// keyboard mapping; the next key operation reloads it.
	dirty atomic.Bool
	// own marks the spare keycodes we remap, so that the MappingNotify
	// our own ChangeKeyboardMapping causes does not trigger a reload.
	own [256]atomic.Bool
	// dead holds the error that ended the connection, if any.
	dead     atomic.Pointer[error]
	loopDone chan struct{}
}

// keyPress remembers which keycode a Key press used, so the release goes
// to the same physical key even if the mapping changed meanwhile.
type keyPress struct {
	kc   byte
	slot bool // kc is a remapped spare keycode, pinned while held
}

func openXTest(cfg *config) (Injector, error) {
	conn, err := x11.Dial(cfg.Display, cfg.XAuthority)
	if err != nil {
		return nil, err
	}
	if err := xtest.Init(conn); err != nil {
		conn.Close()
		return nil, fmt.Errorf("XTEST extension: %w", err)
	}
	if _, err := xtest.GetVersion(conn, 2, 2).Reply(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("XTEST version: %w", err)
	}
	setup := xproto.Setup(conn)
	x := &xtestInjector{
		conn:     conn,
		root:     setup.DefaultScreen(conn).Root,
		log:      cfg.Logger,
		keysDown: map[string]keyPress{},
		buttons:  map[byte]bool{},
		loopDone: make(chan struct{}),
	}
	x.km, err = loadXKeymap(conn, byte(setup.MinKeycode), byte(setup.MaxKeycode))
	if err != nil {
		conn.Close()
		return nil, err
	}
	for _, s := range x.km.slots {
		x.own[s.kc].Store(true)
	}
	if os.Getenv("WAYLAND_DISPLAY") != "" {
		// XTEST input only reaches XWayland clients, not native Wayland
		// windows; say so once instead of silently doing nothing.
		x.log.Warn("input: Wayland session detected; XTEST reaches X11 (XWayland) windows only")
	}
	go x.eventLoop()
	return x, nil
}

func (x *xtestInjector) Name() string { return BackendXTest }

// eventLoop drains the connection's event queue. It must run: xgb stops
// reading replies when its event channel is full, which would deadlock the
// next round trip. It also watches MappingNotify and asynchronous errors.
func (x *xtestInjector) eventLoop() {
	defer close(x.loopDone)
	for {
		ev, xerr := x.conn.WaitForEvent()
		switch {
		case ev == nil && xerr == nil:
			err := fmt.Errorf("X connection closed: %w", ErrClosed)
			x.dead.CompareAndSwap(nil, &err)
			return
		case xerr != nil:
			x.log.Warn("input: X error from injected event", "err", xerr)
		}
		if m, ok := ev.(xproto.MappingNotifyEvent); ok && m.Request == xproto.MappingKeyboard {
			if m.Count == 1 && x.own[m.FirstKeycode].Load() {
				continue // our own spare-keycode remap; the cache already knows
			}
			x.dirty.Store(true)
		}
	}
}

// check returns an error when the injector cannot send anymore. It also
// reloads the keyboard mapping after another client changed it. Callers
// hold x.mu.
func (x *xtestInjector) check() error {
	if x.closed {
		return ErrClosed
	}
	if p := x.dead.Load(); p != nil {
		return *p
	}
	if x.dirty.Swap(false) {
		if err := x.km.reload(x.conn); err != nil {
			return err
		}
		x.log.Debug("input: keyboard mapping reloaded")
	}
	return nil
}

// fake sends one XTEST event. detail is a keycode or button.
func (x *xtestInjector) fake(typ, detail byte) {
	xtest.FakeInput(x.conn, typ, detail, 0, x.root, 0, 0, 0)
}

func (x *xtestInjector) MouseMove(px, py int) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.check(); err != nil {
		return err
	}
	// The protocol carries int16 coordinates; clamp instead of wrapping
	// so that a far-off value pins the pointer to an edge.
	cx := int16(max(-32768, min(32767, px)))
	cy := int16(max(-32768, min(32767, py)))
	xtest.FakeInput(x.conn, xproto.MotionNotify, 0, 0, x.root, cx, cy, 0)
	return nil
}

func (x *xtestInjector) MouseButton(b Button, down bool) error {
	xb, ok := xButtons[b]
	if !ok {
		return fmt.Errorf("input: unknown mouse button %d", b)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.check(); err != nil {
		return err
	}
	if down {
		x.fake(xproto.ButtonPress, xb)
		x.buttons[xb] = true
	} else {
		x.fake(xproto.ButtonRelease, xb)
		delete(x.buttons, xb)
	}
	return nil
}

func (x *xtestInjector) Wheel(dx, dy int) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.check(); err != nil {
		return err
	}
	tap := func(n int, neg, pos byte) {
		b := pos
		if n < 0 {
			b, n = neg, -n
		}
		for range n {
			x.fake(xproto.ButtonPress, b)
			x.fake(xproto.ButtonRelease, b)
		}
	}
	tap(clampNotches(dy), xWheelUp, xWheelDown)
	tap(clampNotches(dx), xWheelLeft, xWheelRight)
	return nil
}

func (x *xtestInjector) Key(code string, down bool) error {
	def, ok := lookupCode(code)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownKey, code)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.check(); err != nil {
		return err
	}
	if !down {
		p, held := x.keysDown[def.code]
		if !held {
			// Not pressed by us (or already released): releasing
			// anyway could lift a key the local user holds.
			return nil
		}
		x.fake(xproto.KeyRelease, p.kc)
		delete(x.keysDown, def.code)
		if p.slot {
			x.km.unpin(p.kc)
			x.scheduleRestore()
		}
		return nil
	}
	if p, held := x.keysDown[def.code]; held {
		x.fake(xproto.KeyPress, p.kc) // browser auto-repeat
		return nil
	}
	p, err := x.keycodeFor(def)
	if err != nil {
		return err
	}
	x.fake(xproto.KeyPress, p.kc)
	x.keysDown[def.code] = p
	return nil
}

// keycodeFor finds the physical key for a table row, remapping a spare
// keycode when the layout has none of its keysyms (F13–F24 on many maps).
func (x *xtestInjector) keycodeFor(def *keyDef) (keyPress, error) {
	for _, ks := range def.keysyms {
		if kc, ok := x.km.keycodeAnyLevel(ks); ok {
			return keyPress{kc: kc}, nil
		}
	}
	kc, err := x.slotFor(def.keysyms[0])
	if err != nil {
		return keyPress{}, fmt.Errorf("input: key %s: %w", def.code, err)
	}
	x.km.pin(kc)
	return keyPress{kc: kc, slot: true}, nil
}

// slotFor returns a spare keycode mapped to ks, remapping one if needed.
func (x *xtestInjector) slotFor(ks uint32) (byte, error) {
	s, fresh, err := x.km.claimSlot(ks)
	if err != nil {
		return 0, err
	}
	if fresh {
		if wait := remapGuard - time.Since(s.prevUse); !s.prevUse.IsZero() && wait > 0 {
			// The slot's previous character was typed moments ago: let
			// clients translate that key press before its keysym changes
			// under it (they look the mapping up when they read the event).
			if err := x.sync(); err != nil {
				return 0, err
			}
			time.Sleep(wait)
		}
		xproto.ChangeKeyboardMapping(x.conn, 1, xproto.Keycode(s.kc), 2,
			[]xproto.Keysym{xproto.Keysym(ks), xproto.Keysym(ks)})
	}
	x.scheduleRestore()
	return s.kc, nil
}

// scheduleRestore (re)arms the timer that returns idle spare keycodes to
// NoSymbol. Restoring is delayed because clients translate a key press
// with the mapping current when they read it, which may be well after we
// sent it.
func (x *xtestInjector) scheduleRestore() {
	if x.restore != nil {
		x.restore.Reset(restoreDelay)
		return
	}
	x.restore = time.AfterFunc(restoreDelay, func() {
		x.mu.Lock()
		defer x.mu.Unlock()
		if !x.closed {
			x.restoreSlots()
		}
	})
}

// restoreSlots unmaps every unpinned remapped spare keycode. Callers hold
// x.mu.
func (x *xtestInjector) restoreSlots() {
	for _, kc := range x.km.releaseSlots() {
		xproto.ChangeKeyboardMapping(x.conn, 1, xproto.Keycode(kc), 2, []xproto.Keysym{0, 0})
	}
}

// sync waits until the server has processed every request sent so far.
func (x *xtestInjector) sync() error {
	if _, err := xproto.GetInputFocus(x.conn).Reply(); err != nil {
		return fmt.Errorf("input: X round trip: %w", err)
	}
	return nil
}

func (x *xtestInjector) ReleaseAll() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return ErrClosed
	}
	return x.releaseAll()
}

// releaseAll lifts keys before buttons (a drag ends after its modifier
// would on a real desktop too) and waits for the server so that the caller
// knows nothing is stuck. Callers hold x.mu.
func (x *xtestInjector) releaseAll() error {
	for code, p := range x.keysDown {
		x.fake(xproto.KeyRelease, p.kc)
		if p.slot {
			x.km.unpin(p.kc)
		}
		delete(x.keysDown, code)
	}
	for b := range x.buttons {
		x.fake(xproto.ButtonRelease, b)
		delete(x.buttons, b)
	}
	if p := x.dead.Load(); p != nil {
		return *p
	}
	return x.sync()
}

func (x *xtestInjector) Close() error {
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		return nil
	}
	var err error
	if x.dead.Load() == nil {
		err = x.releaseAll()
		x.restoreSlots()
		err = errors.Join(err, x.sync())
	}
	x.closed = true
	if x.restore != nil {
		x.restore.Stop()
	}
	x.mu.Unlock()
	x.conn.Close()
	<-x.loopDone
	return err
}
