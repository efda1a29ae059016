package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tetherhq/tether/internal/x11"
)

func init() {
	// xgb logs to stderr through a package variable, e.g. "Could not get
	// authority info" on every connection without ~/.Xauthority: chatter
	// a customer must not see. Set here, before any connection exists, so
	// the write cannot race with xgb reading it.
	xgb.Logger = log.New(io.Discard, "", 0)
}

// blinkInterval is the caret's blink period; tests set it to 0 (always
// on) so that screenshots are reproducible.
var blinkInterval = 500 * time.Millisecond

// x11Window is the Linux customer window: a plain X window into which the
// renderer's image is uploaded with PutImage.
type x11Window struct {
	*model
	conn   *xgb.Conn
	root   xproto.Window
	win    xproto.Window
	gc     xproto.Gcontext
	depth  byte
	msb    bool // the server wants pixels big-endian
	maxReq int  // bytes in one request
	atoms  *atoms
	km     *keymap

	v   *view
	r   *renderer
	img *image.RGBA // last rendered frame, re-sent on Expose
	buf []byte

	urgent     bool
	pasteInto  widget // entry waiting for a SelectionNotify
	lastTime   xproto.Timestamp
	wake       chan struct{}
	closeReq   chan struct{}
	inspect    chan func() // runs on the loop: tests look at the view
	closeOnce  sync.Once
	loopDone   chan struct{}
	readerStop chan struct{}
}

func open(ctx context.Context, o Options) (Window, error) {
	// XAUTHORITY and ~/.Xauthority are read by xgb, as Xlib would, unless
	// the caller found the session's own (a jump client, agent/desktop).
	display := cmp.Or(o.Display, os.Getenv("DISPLAY"))
	if display == "" {
		return nil, fmt.Errorf("%w: DISPLAY is not set (no X11 session)", ErrUnsupported)
	}
	if err := loadFonts(); err != nil {
		return nil, err
	}
	var conn *xgb.Conn
	var err error
	if o.Display != "" {
		conn, err = x11.Dial(o.Display, o.XAuthority)
	} else {
		conn, err = xgb.NewConnDisplay(display)
	}
	if err != nil {
		return nil, fmt.Errorf("ui: connect to X display %q: %w", display, err)
	}
	w := &x11Window{model: newModel(o), conn: conn, wake: make(chan struct{}, 1),
		closeReq: make(chan struct{}), inspect: make(chan func()), loopDone: make(chan struct{}), readerStop: make(chan struct{})}
	if err := w.create(); err != nil {
		conn.Close()
		w.model.shutdown(false)
		return nil, err
	}
	w.model.changed = w.poke
	events := make(chan xgb.Event, 64)
	lost := make(chan error, 1)
	go w.read(events, lost)
	go w.loop(events, lost)
	go func() {
		select {
		case <-ctx.Done():
			w.Close()
		case <-w.loopDone:
		}
	}()
	return w, nil
}

// create makes and maps the window with the properties window managers
// read: title, class, close protocol, always-on-top state, fixed size.
func (w *x11Window) create() error {
	setup := xproto.Setup(w.conn)
	screen := setup.DefaultScreen(w.conn)
	w.root, w.depth = screen.Root, screen.RootDepth
	w.msb = setup.ImageByteOrder == xproto.ImageOrderMSBFirst
	w.maxReq = int(setup.MaximumRequestLength) * 4
	if err := checkVisual(setup, screen); err != nil {
		return err
	}
	var err error
	if w.atoms, err = internAtoms(w.conn); err != nil {
		return err
	}
	if w.km, err = loadKeymap(w.conn); err != nil {
		return err
	}
	w.v = newView(dpiScale(w.conn, w.root))
	w.r = newRenderer(w.v)
	size := windowSize(w.v.scale)
	x, y := w.placement(screen, size)

	if w.win, err = xproto.NewWindowId(w.conn); err != nil {
		return fmt.Errorf("ui: new window id: %w", err)
	}
	mask := uint32(xproto.EventMaskExposure | xproto.EventMaskKeyPress | xproto.EventMaskButtonPress |
		xproto.EventMaskButtonRelease | xproto.EventMaskPointerMotion | xproto.EventMaskLeaveWindow |
		xproto.EventMaskFocusChange | xproto.EventMaskStructureNotify)
	err = xproto.CreateWindowChecked(w.conn, w.depth, w.win, w.root, int16(x), int16(y),
		uint16(size.X), uint16(size.Y), 0, xproto.WindowClassInputOutput, screen.RootVisual,
		xproto.CwBackPixel|xproto.CwEventMask, []uint32{pixel(colBg), mask}).Check()
	if err != nil {
		return fmt.Errorf("ui: create window: %w", err)
	}
	if w.gc, err = xproto.NewGcontextId(w.conn); err != nil {
		return fmt.Errorf("ui: new gc id: %w", err)
	}
	if err := xproto.CreateGCChecked(w.conn, w.gc, xproto.Drawable(w.win), 0, nil).Check(); err != nil {
		return fmt.Errorf("ui: create gc: %w", err)
	}
	w.setProperties(x, y, size)
	if err := xproto.MapWindowChecked(w.conn, w.win).Check(); err != nil {
		return fmt.Errorf("ui: map window: %w", err)
	}
	if f, err := xproto.GetInputFocus(w.conn).Reply(); err == nil {
		w.v.focused = f.Focus == w.win
	}
	return nil
}

// checkVisual accepts the 24/32-bit TrueColor screens every desktop has
// run for two decades; the pixel conversion in put relies on it.
func checkVisual(setup *xproto.SetupInfo, screen *xproto.ScreenInfo) error {
	bpp := 0
	for _, f := range setup.PixmapFormats {
		if f.Depth == screen.RootDepth {
			bpp = int(f.BitsPerPixel)
		}
	}
	for _, d := range screen.AllowedDepths {
		for _, vt := range d.Visuals {
			if vt.VisualId == screen.RootVisual && vt.Class == xproto.VisualClassTrueColor &&
				vt.RedMask == 0xff0000 && vt.GreenMask == 0xff00 && vt.BlueMask == 0xff && bpp == 32 {
				return nil
			}
		}
	}
	return fmt.Errorf("%w: X screen is not 24-bit TrueColor (depth %d, %d bpp)", ErrUnsupported, screen.RootDepth, bpp)
}

func pixel(c interface{ RGBA() (r, g, b, a uint32) }) uint32 {
	r, g, b, _ := c.RGBA()
	return (r>>8)<<16 | (g>>8)<<8 | b>>8
}

// placement puts the window in the bottom-right corner of the work area,
// out of the way of what the technician works on.
func (w *x11Window) placement(screen *xproto.ScreenInfo, size image.Point) (int, int) {
	area := image.Rect(0, 0, int(screen.WidthInPixels), int(screen.HeightInPixels))
	if v := w.cardinals(w.root, w.atoms.netWorkarea, 4); len(v) == 4 {
		area = image.Rect(int(v[0]), int(v[1]), int(v[0]+v[2]), int(v[1]+v[3]))
	}
	m := int(24 * w.v.scale)
	return max(area.Min.X, area.Max.X-size.X-m), max(area.Min.Y, area.Max.Y-size.Y-2*m)
}

// dpiScale reads Xft.dpi from the RESOURCE_MANAGER property, the setting
// desktops use for HiDPI; 96 DPI is scale 1.
func dpiScale(conn *xgb.Conn, root xproto.Window) float64 {
	rep, err := xproto.GetProperty(conn, false, root, xproto.AtomResourceManager, xproto.AtomString, 0, 1<<16).Reply()
	if err != nil || rep == nil {
		return 1
	}
	return scaleFromResources(string(rep.Value))
}

func scaleFromResources(db string) float64 {
	for _, line := range strings.Split(db, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) != "Xft.dpi" {
			continue
		}
		dpi, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || dpi <= 0 {
			return 1
		}
		return min(4, max(1, dpi/96))
	}
	return 1
}

// setProperties sets what the window manager reads before mapping.
func (w *x11Window) setProperties(x, y int, size image.Point) {
	a := w.atoms
	title := w.model.title
	w.setString(xproto.AtomWmName, xproto.AtomString, latin1(title))
	w.setString(a.netWmName, a.utf8String, title)
	w.setString(xproto.AtomWmClass, xproto.AtomString, "tether\x00Tether\x00")
	w.setAtoms(a.wmProtocols, a.wmDeleteWindow, a.netWmPing)
	// Always on top, so the customer never loses sight of it.
	w.setAtoms(a.netWmState, a.netWmStateAbove)
	w.setAtoms(a.netWmWindowType, a.netWmWindowTypeNormal)
	w.setCardinals(a.netWmPid, xproto.AtomCardinal, uint32(os.Getpid()))
	// WM_NORMAL_HINTS: program position, and min = max size (the layout
	// is fixed).
	const pPosition, pMinSize, pMaxSize = 4, 16, 32
	hints := make([]uint32, 18)
	hints[0] = pPosition | pMinSize | pMaxSize
	hints[1], hints[2], hints[3], hints[4] = uint32(x), uint32(y), uint32(size.X), uint32(size.Y)
	hints[5], hints[6], hints[7], hints[8] = uint32(size.X), uint32(size.Y), uint32(size.X), uint32(size.Y)
	w.setCardinals(xproto.AtomWmNormalHints, xproto.AtomWmSizeHints, hints...)
	w.setWMHints(false)
	w.setCardinals(a.netWmIcon, xproto.AtomCardinal, iconProperty()...)
}

// setWMHints sets WM_HINTS: accepts input, normal state, and the urgency
// flag that makes task bars flash while a message is unread.
func (w *x11Window) setWMHints(urgent bool) {
	const inputHint, stateHint, urgencyHint = 1, 2, 256
	flags := uint32(inputHint | stateHint)
	if urgent {
		flags |= urgencyHint
	}
	w.setCardinals(xproto.AtomWmHints, xproto.AtomWmHints, flags, 1, 1, 0, 0, 0, 0, 0, 0)
}

func (w *x11Window) setString(prop, typ xproto.Atom, s string) {
	xproto.ChangeProperty(w.conn, xproto.PropModeReplace, w.win, prop, typ, 8, uint32(len(s)), []byte(s))
}

func (w *x11Window) setAtoms(prop xproto.Atom, vals ...xproto.Atom) {
	v := make([]uint32, len(vals))
	for i, a := range vals {
		v[i] = uint32(a)
	}
	w.setCardinals(prop, xproto.AtomAtom, v...)
}

func (w *x11Window) setCardinals(prop, typ xproto.Atom, vals ...uint32) {
	b := make([]byte, 4*len(vals))
	for i, v := range vals {
		xgb.Put32(b[4*i:], v)
	}
	xproto.ChangeProperty(w.conn, xproto.PropModeReplace, w.win, prop, typ, 32, uint32(len(vals)), b)
}

// cardinals reads up to n 32-bit values of a property.
func (w *x11Window) cardinals(win xproto.Window, prop xproto.Atom, n int) []uint32 {
	rep, err := xproto.GetProperty(w.conn, false, win, prop, xproto.GetPropertyTypeAny, 0, uint32(n)).Reply()
	if err != nil || rep == nil || rep.Format != 32 {
		return nil
	}
	v := make([]uint32, 0, n)
	for i := 0; i+4 <= len(rep.Value) && len(v) < n; i += 4 {
		v = append(v, xgb.Get32(rep.Value[i:])) // replies come in the client's (xgb's) byte order
	}
	return v
}

// latin1 is s for WM_NAME (type STRING), which old window managers read.
func latin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			r = '?'
		}
		b = append(b, byte(r))
	}
	return string(b)
}

// atoms are the interned names the window uses.
type atoms struct {
	utf8String, wmProtocols, wmDeleteWindow, netWmPing, netWmName, netWmState,
	netWmStateAbove, netWmWindowType, netWmWindowTypeNormal, netWmPid, netWmIcon,
	netWorkarea, clipboard, paste xproto.Atom
}

func internAtoms(conn *xgb.Conn) (*atoms, error) {
	a := &atoms{}
	names := []struct {
		name string
		p    *xproto.Atom
	}{
		{"UTF8_STRING", &a.utf8String}, {"WM_PROTOCOLS", &a.wmProtocols},
		{"WM_DELETE_WINDOW", &a.wmDeleteWindow}, {"_NET_WM_PING", &a.netWmPing},
		{"_NET_WM_NAME", &a.netWmName}, {"_NET_WM_STATE", &a.netWmState},
		{"_NET_WM_STATE_ABOVE", &a.netWmStateAbove}, {"_NET_WM_WINDOW_TYPE", &a.netWmWindowType},
		{"_NET_WM_WINDOW_TYPE_NORMAL", &a.netWmWindowTypeNormal}, {"_NET_WM_PID", &a.netWmPid},
		{"_NET_WM_ICON", &a.netWmIcon}, {"_NET_WORKAREA", &a.netWorkarea},
		{"CLIPBOARD", &a.clipboard}, {"TETHER_PASTE", &a.paste},
	}
	// Send all requests, then collect: one round trip instead of 14.
	cookies := make([]xproto.InternAtomCookie, len(names))
	for i, n := range names {
		cookies[i] = xproto.InternAtom(conn, false, uint16(len(n.name)), n.name)
	}
	for i, c := range cookies {
		rep, err := c.Reply()
		if err != nil {
			return nil, fmt.Errorf("ui: intern atom %s: %w", names[i].name, err)
		}
		*names[i].p = rep.Atom
	}
	return a, nil
}

// errConnLost reports that the X server went away (logout, crash).
var errConnLost = errors.New("ui: X connection lost")
