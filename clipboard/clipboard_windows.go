package clipboard

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/tetherhq/tether/internal/winapi"
)

// Windows: the clipboard is opened on behalf of a window, and whoever
// empties it becomes its owner through that window. So this client keeps a
// hidden message-only window on a thread of its own that pumps the
// window's messages — a program that empties the clipboard while we own it
// sends our window WM_DESTROYCLIPBOARD and waits for the answer — and does
// every clipboard call on that thread. Changes arrive as
// WM_CLIPBOARDUPDATE (AddClipboardFormatListener, Vista and later; Wine
// has it); without a listener it polls GetClipboardSequenceNumber. Text
// we set is ours while our window owns the clipboard, which is how Watch
// leaves it out.

// pollEvery is the fallback polling interval, without a listener.
const pollEvery = 500 * time.Millisecond

var errClosed = errors.New("clipboard: closed")

type winClip struct {
	hwnd      windows.HWND
	listening bool          // WM_CLIPBOARDUPDATE arrives
	changes   winapi.Beacon // notified at each WM_CLIPBOARDUPDATE

	mu    sync.Mutex
	queue []func()      // run on the window's thread at the next wmApp
	done  chan struct{} // the thread ended
	once  sync.Once
}

func open(Options) (Clipboard, error) {
	if err := procOpenClipboard.Find(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	c := &winClip{done: make(chan struct{})}
	ready := make(chan error, 1)
	go c.run(ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	return c, nil
}

// run is the window's thread: create it, pump its messages until Close.
func (c *winClip) run(ready chan<- error) {
	// Never unlocked: a window's messages go to the thread that created
	// it, and the thread ends with this goroutine.
	runtime.LockOSThread()
	defer close(c.done)
	hwnd, err := newWindow(c)
	if err != nil {
		ready <- err
		return
	}
	c.hwnd = hwnd
	if procAddClipboardFormatListener.Find() == nil {
		r, _, _ := procAddClipboardFormatListener.Call(uintptr(hwnd))
		c.listening = r != 0
	}
	ready <- nil
	var m msg
	for {
		r, _, _ := procGetMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0)
		if r == 0 || int32(r) == -1 {
			break
		}
		procDispatchMessageW.Call(uintptr(unsafe.Pointer(&m)))
	}
}

// do runs f on the window's thread and returns its error.
func (c *winClip) do(f func() error) error {
	select {
	case <-c.done:
		return errClosed
	default:
	}
	errc := make(chan error, 1)
	c.mu.Lock()
	c.queue = append(c.queue, func() { errc <- f() })
	c.mu.Unlock()
	procPostMessageW.Call(uintptr(c.hwnd), wmApp, 0, 0)
	select {
	case err := <-errc:
		return err
	case <-c.done:
		return errClosed
	}
}

// runQueue runs the queued calls (on the window's thread, at wmApp).
func (c *winClip) runQueue() {
	c.mu.Lock()
	q := c.queue
	c.queue = nil
	c.mu.Unlock()
	for _, f := range q {
		f()
	}
}

func (c *winClip) Close() error {
	c.once.Do(func() { procPostMessageW.Call(uintptr(c.hwnd), wmClose, 0, 0) })
	<-c.done
	return nil
}

// Closed reports whether Close ran, so a long-lived user opens anew.
func (c *winClip) Closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *winClip) Get(context.Context) (string, error) {
	var text string
	err := c.do(func() (err error) { text, err = readText(c.hwnd); return err })
	return text, err
}

func (c *winClip) Set(text string) error {
	if len(text) > MaxText {
		return ErrTooLarge
	}
	u, err := windows.UTF16FromString(toCRLF(text))
	if err != nil {
		return fmt.Errorf("clipboard: %w", err) // a NUL: Windows text ends there
	}
	return c.do(func() error { return writeText(c.hwnd, u) })
}

// owned reports whether our window owns the clipboard (our Set was last).
func (c *winClip) owned() bool {
	r, _, _ := procGetClipboardOwner.Call()
	return r != 0 && windows.HWND(r) == c.hwnd
}

func (c *winClip) Watch(ctx context.Context, fn func(string)) error {
	if !c.listening {
		return pollChanges(ctx, seqCounter{c}, pollEvery, fn)
	}
	var copies copyFilter
	for {
		ch := c.changes.C()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.done:
			return errClosed
		case <-ch:
		}
		var text string
		var ours bool
		err := c.do(func() (err error) {
			if ours = c.owned(); !ours {
				text, err = readText(c.hwnd)
			}
			return err
		})
		switch {
		case ours:
			copies.ours()
		case err == nil:
			copies.report(text, fn)
		}
	}
}

// seqCounter is the clipboard as a changeCounter, for polling.
type seqCounter struct{ c *winClip }

func (s seqCounter) Count() int64 {
	n, _, _ := procGetClipboardSequenceNumber.Call()
	return int64(n)
}

func (s seqCounter) Text() (string, error) { return s.c.Get(context.Background()) }

func (s seqCounter) Ours(int64) bool {
	var ours bool
	s.c.do(func() error { ours = s.c.owned(); return nil })
	return ours
}

// readText reads CF_UNICODETEXT ("" when the clipboard holds no text).
func readText(hwnd windows.HWND) (string, error) {
	var text string
	err := withClipboard(hwnd, func() error {
		if ok, _, _ := procIsClipboardFormatAvailable.Call(cfUnicodeText); ok == 0 {
			return nil
		}
		h, _, _ := procGetClipboardData.Call(cfUnicodeText)
		if h == 0 {
			return nil
		}
		units, _, _ := procGlobalSize.Call(h)
		units /= 2
		// UTF-8 takes at least one byte per UTF-16 unit, and "\r\n"
		// becomes one: more than twice MaxText units cannot fit.
		if units > 2*MaxText+1 {
			return ErrTooLarge
		}
		p, _, err := procGlobalLock.Call(h)
		if p == 0 {
			return fmt.Errorf("clipboard: GlobalLock: %w", err)
		}
		defer procGlobalUnlock.Call(h)
		u := unsafe.Slice(ptr16(p), units)
		if i := slices.Index(u, 0); i >= 0 {
			u = u[:i] // the text ends at its NUL, not at the block's end
		}
		text = windows.UTF16ToString(u)
		return nil
	})
	if err != nil {
		return "", err
	}
	if text = fromCRLF(text); len(text) > MaxText {
		return "", ErrTooLarge
	}
	return text, nil
}

// writeText makes u (UTF-16 with its NUL) the clipboard's text, owned by
// hwnd.
func writeText(hwnd windows.HWND, u []uint16) error {
	return withClipboard(hwnd, func() error {
		if r, _, err := procEmptyClipboard.Call(); r == 0 {
			return fmt.Errorf("clipboard: EmptyClipboard: %w", err)
		}
		h, _, err := procGlobalAlloc.Call(gmemMoveable, uintptr(len(u)*2))
		if h == 0 {
			return fmt.Errorf("clipboard: GlobalAlloc: %w", err)
		}
		p, _, err := procGlobalLock.Call(h)
		if p == 0 {
			procGlobalFree.Call(h)
			return fmt.Errorf("clipboard: GlobalLock: %w", err)
		}
		copy(unsafe.Slice(ptr16(p), len(u)), u)
		procGlobalUnlock.Call(h)
		if r, _, err := procSetClipboardData.Call(cfUnicodeText, h); r == 0 {
			procGlobalFree.Call(h) // still ours when SetClipboardData failed
			return fmt.Errorf("clipboard: SetClipboardData: %w", err)
		}
		return nil // the system owns the memory now
	})
}

// withClipboard opens the clipboard for hwnd around fn, retrying for a
// while when another program holds it. Between tries it answers messages
// other programs send our window (one that holds the clipboard may be
// waiting for our WM_DESTROYCLIPBOARD answer).
func withClipboard(hwnd windows.HWND, fn func() error) error {
	var err error
	for range 25 {
		var r uintptr
		if r, _, err = procOpenClipboard.Call(uintptr(hwnd)); r != 0 {
			defer procCloseClipboard.Call()
			return fn()
		}
		var m msg
		procPeekMessageW.Call(uintptr(unsafe.Pointer(&m)), 0, 0, 0, pmNoRemove)
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("clipboard: OpenClipboard: %w", err)
}
