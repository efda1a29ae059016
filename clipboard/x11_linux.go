package clipboard

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"

	"github.com/tetherhq/tether/internal/x11"
)

// The X11 clipboard is a conversation between programs (ICCCM §2): the
// owner of the CLIPBOARD selection holds the text and hands it to whoever
// asks, through a property on the asker's window. So this client keeps an
// unmapped window, and one goroutine (loop) owns every exchange: it
// answers other programs' requests while we own the selection, converts
// the selection when someone wants the text, and hears XFixes when another
// program takes the selection over. Text larger than a request may carry
// moves in INCR chunks, both ways.

// incrChunk is the size of one INCR chunk; well under the 256 KiB a core
// request may carry.
const incrChunk = 64 << 10

// convertTimeout bounds one conversion: an owner that never answers.
const convertTimeout = 3 * time.Second

type atoms struct {
	clipboard, utf8, targets, text, str, incr, prop, stamp, atom xproto.Atom
}

type x11Clip struct {
	conn *xgb.Conn
	win  xproto.Window
	a    atoms

	sets    chan string
	gets    chan chan result
	watches chan watchReg
	done    chan struct{}
	once    sync.Once
}

// watchReg starts (fn set) or ends a watch; id tells watches apart, so a
// watch that ends does not stop a newer one.
type watchReg struct {
	id *int
	fn func(string)
}

type result struct {
	text string
	err  error
}

// outgoing is an INCR transfer to another program.
type outgoing struct {
	requestor   xproto.Window
	property    xproto.Atom
	typ         xproto.Atom
	data        []byte
	off         int
	ended, sent bool
}

func open(o Options) (Clipboard, error) {
	conn, err := x11.Dial(o.Display, o.XAuthority)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	c := &x11Clip{conn: conn, sets: make(chan string), gets: make(chan chan result),
		watches: make(chan watchReg), done: make(chan struct{})}
	if err := c.setup(); err != nil {
		conn.Close()
		return nil, err
	}
	go c.loop()
	return c, nil
}

func (c *x11Clip) setup() error {
	if err := xfixes.Init(c.conn); err != nil {
		return fmt.Errorf("clipboard: XFixes: %w", err)
	}
	if _, err := xfixes.QueryVersion(c.conn, 5, 0).Reply(); err != nil {
		return fmt.Errorf("clipboard: XFixes version: %w", err)
	}
	names := []string{"CLIPBOARD", "UTF8_STRING", "TARGETS", "TEXT", "STRING", "INCR", "TETHER_CLIPBOARD", "TETHER_TIME", "ATOM"}
	got := make([]xproto.Atom, len(names))
	for i, n := range names {
		r, err := xproto.InternAtom(c.conn, false, uint16(len(n)), n).Reply()
		if err != nil {
			return fmt.Errorf("clipboard: atom %s: %w", n, err)
		}
		got[i] = r.Atom
	}
	c.a = atoms{got[0], got[1], got[2], got[3], got[4], got[5], got[6], got[7], got[8]}
	screen := xproto.Setup(c.conn).DefaultScreen(c.conn)
	win, err := xproto.NewWindowId(c.conn)
	if err != nil {
		return err
	}
	c.win = win
	err = xproto.CreateWindowChecked(c.conn, 0, win, screen.Root, -10, -10, 1, 1, 0,
		xproto.WindowClassInputOnly, screen.RootVisual, xproto.CwEventMask,
		[]uint32{xproto.EventMaskPropertyChange}).Check()
	if err != nil {
		return fmt.Errorf("clipboard: window: %w", err)
	}
	return xfixes.SelectSelectionInputChecked(c.conn, win, c.a.clipboard,
		xfixes.SelectionEventMaskSetSelectionOwner).Check()
}

func (c *x11Clip) Close() error {
	c.once.Do(func() { close(c.done); c.conn.Close() })
	return nil
}

// Closed reports whether the connection is gone (closed, or the X server
// went away), so a long-lived user opens a new one.
func (c *x11Clip) Closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *x11Clip) Set(text string) error {
	if len(text) > MaxText {
		return ErrTooLarge
	}
	select {
	case c.sets <- text:
		return nil
	case <-c.done:
		return errors.New("clipboard: closed")
	}
}

func (c *x11Clip) Get(ctx context.Context) (string, error) {
	ch := make(chan result, 1)
	select {
	case c.gets <- ch:
	case <-c.done:
		return "", errors.New("clipboard: closed")
	case <-ctx.Done():
		return "", ctx.Err()
	}
	select {
	case r := <-ch:
		return r.text, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (c *x11Clip) Watch(ctx context.Context, fn func(string)) error {
	id := new(int)
	select {
	case c.watches <- watchReg{id, fn}:
	case <-c.done:
		return errors.New("clipboard: closed")
	}
	select {
	case <-ctx.Done():
	case <-c.done:
	}
	select { // stop reporting
	case c.watches <- watchReg{id, nil}:
	case <-c.done:
	}
	return ctx.Err()
}

// loop is the only goroutine that talks to the X server after setup.
func (c *x11Clip) loop() {
	events := make(chan xgb.Event, 16)
	go func() {
		defer close(events)
		for {
			ev, err := c.conn.WaitForEvent()
			if ev == nil && err == nil {
				return // the connection closed
			}
			if ev != nil {
				select {
				case events <- ev:
				case <-c.done:
					return
				}
			}
		}
	}()
	var (
		owned     []byte // our text while we own the selection
		owning    bool
		pendSet   []byte // waiting for a timestamp to take the selection
		hasPend   bool
		watch     func(string)
		watchID   *int
		waiters   []chan result
		notify    bool // the running conversion is for watch
		convert   bool // a conversion is running
		deadline  <-chan time.Time
		incoming  []byte
		incr      bool
		transfers []*outgoing
	)
	finish := func(text string, err error) {
		for _, w := range waiters {
			w <- result{text, err}
		}
		if notify && watch != nil && err == nil && text != "" {
			watch(text)
		}
		waiters, notify, convert, incr, incoming, deadline = nil, false, false, false, nil, nil
	}
	start := func(t xproto.Timestamp) {
		if convert {
			return
		}
		convert, deadline = true, time.After(convertTimeout)
		xproto.ConvertSelection(c.conn, c.win, c.a.clipboard, c.a.utf8, c.a.prop, t)
	}
	for {
		select {
		case <-c.done:
			return
		case text := <-c.sets:
			// ICCCM: take the selection with a real server time, got from
			// a zero-length append to our own property.
			pendSet, hasPend = []byte(text), true
			xproto.ChangeProperty(c.conn, xproto.PropModeAppend, c.win, c.a.stamp, c.a.str, 8, 0, nil)
		case ch := <-c.gets:
			if owning {
				ch <- result{string(owned), nil}
				continue
			}
			waiters = append(waiters, ch)
			start(xproto.TimeCurrentTime)
		case w := <-c.watches:
			if w.fn != nil || w.id == watchID {
				watch, watchID = w.fn, w.id
			}
		case <-deadline:
			finish("", errors.New("clipboard: the owner did not answer"))
		case ev, ok := <-events:
			if !ok {
				finish("", errors.New("clipboard: X connection lost"))
				c.Close()
				return
			}
			switch e := ev.(type) {
			case xproto.PropertyNotifyEvent:
				switch {
				case e.Window == c.win && e.Atom == c.a.stamp && hasPend:
					owned, owning, hasPend = pendSet, true, false
					xproto.SetSelectionOwner(c.conn, c.win, c.a.clipboard, e.Time)
				case e.Window == c.win && e.Atom == c.a.prop && incr && e.State == xproto.PropertyNewValue:
					r, err := xproto.GetProperty(c.conn, true, c.win, c.a.prop, xproto.GetPropertyTypeAny, 0, incrChunk).Reply()
					switch {
					case err != nil:
						finish("", err)
					case r.ValueLen == 0: // the end of an INCR transfer
						finish(textOf(incoming), nil)
					case len(incoming)+len(r.Value) > MaxText:
						finish("", ErrTooLarge)
					default:
						incoming = append(incoming, r.Value...)
					}
				case e.State == xproto.PropertyDelete:
					transfers = c.continueIncr(transfers, e.Window, e.Atom)
				}
			case xproto.SelectionRequestEvent:
				transfers = c.answer(e, owned, owning, transfers)
			case xproto.SelectionClearEvent:
				if e.Selection == c.a.clipboard {
					owned, owning = nil, false
				}
			case xfixes.SelectionNotifyEvent:
				if e.Selection == c.a.clipboard && e.Owner != c.win && e.Owner != 0 {
					owning = false
					if watch != nil {
						notify = true
						start(e.SelectionTimestamp)
					}
				}
			case xproto.SelectionNotifyEvent:
				if e.Requestor != c.win || !convert {
					continue
				}
				if e.Property == xproto.AtomNone {
					finish("", nil) // no owner, or no text
					continue
				}
				r, err := xproto.GetProperty(c.conn, true, c.win, c.a.prop, xproto.GetPropertyTypeAny, 0, MaxText/4+1).Reply()
				switch {
				case err != nil:
					finish("", err)
				case r.Type == c.a.incr: // deleting the property started it
					incr, deadline = true, time.After(10*convertTimeout)
				case r.BytesAfter > 0:
					finish("", ErrTooLarge)
				default:
					finish(textOf(r.Value), nil)
				}
			}
		}
	}
}

// textOf keeps valid UTF-8 only (a STRING owner's Latin-1 would not be).
func textOf(b []byte) string {
	if len(b) > MaxText || !utf8.Valid(b) {
		return ""
	}
	return string(b)
}

// answer serves another program's request for our selection.
func (c *x11Clip) answer(e xproto.SelectionRequestEvent, owned []byte, owning bool, transfers []*outgoing) []*outgoing {
	prop := e.Property
	if prop == xproto.AtomNone { // an obsolete client: the target names the property
		prop = e.Target
	}
	ok := owning && e.Owner == c.win && e.Selection == c.a.clipboard
	if ok {
		switch e.Target {
		case c.a.targets:
			list := []xproto.Atom{c.a.targets, c.a.utf8, c.a.str, c.a.text}
			b := make([]byte, 4*len(list))
			for i, a := range list {
				xgb.Put32(b[4*i:], uint32(a))
			}
			xproto.ChangeProperty(c.conn, xproto.PropModeReplace, e.Requestor, prop, c.a.atom, 32, uint32(len(list)), b)
		case c.a.utf8, c.a.text, c.a.str:
			data, typ := owned, c.a.utf8
			if e.Target == c.a.str {
				data, typ = latin1(owned), c.a.str
			}
			if len(data) > incrChunk {
				// INCR: announce the size, then a chunk each time the
				// requestor deletes the property.
				xproto.ChangeWindowAttributes(c.conn, e.Requestor, xproto.CwEventMask, []uint32{xproto.EventMaskPropertyChange})
				n := make([]byte, 4)
				xgb.Put32(n, uint32(len(data)))
				xproto.ChangeProperty(c.conn, xproto.PropModeReplace, e.Requestor, prop, c.a.incr, 32, 1, n)
				transfers = append(transfers, &outgoing{requestor: e.Requestor, property: prop, typ: typ, data: data})
			} else {
				xproto.ChangeProperty(c.conn, xproto.PropModeReplace, e.Requestor, prop, typ, 8, uint32(len(data)), data)
			}
		default:
			ok = false
		}
	}
	if !ok {
		prop = xproto.AtomNone
	}
	ev := xproto.SelectionNotifyEvent{Time: e.Time, Requestor: e.Requestor, Selection: e.Selection, Target: e.Target, Property: prop}
	xproto.SendEvent(c.conn, false, e.Requestor, 0, string(ev.Bytes()))
	return transfers
}

// continueIncr sends the next chunk of the INCR transfer waiting on
// (w, prop), ending it with a zero-length chunk.
func (c *x11Clip) continueIncr(transfers []*outgoing, w xproto.Window, prop xproto.Atom) []*outgoing {
	for i, t := range transfers {
		if t.requestor != w || t.property != prop {
			continue
		}
		if t.ended {
			xproto.ChangeWindowAttributes(c.conn, w, xproto.CwEventMask, []uint32{0})
			return append(transfers[:i], transfers[i+1:]...)
		}
		end := min(t.off+incrChunk, len(t.data))
		chunk := t.data[t.off:end]
		t.off = end
		t.ended = len(chunk) == 0
		xproto.ChangeProperty(c.conn, xproto.PropModeReplace, w, prop, t.typ, 8, uint32(len(chunk)), chunk)
		return transfers
	}
	return transfers
}

// latin1 is the STRING form of text: characters beyond Latin-1 become '?'.
func latin1(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, r := range string(b) {
		if r > 0xff {
			r = '?'
		}
		out = append(out, byte(r))
	}
	return out
}
