package clipboard

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Windows: the clipboard belongs to whoever opened it last, so every call
// opens it briefly (retrying while another program holds it) and a change
// is noticed by polling GetClipboardSequenceNumber. Only compiled here.

var (
	user32                     = windows.NewLazySystemDLL("user32.dll")
	kernel32                   = windows.NewLazySystemDLL("kernel32.dll")
	procOpenClipboard          = user32.NewProc("OpenClipboard")
	procCloseClipboard         = user32.NewProc("CloseClipboard")
	procEmptyClipboard         = user32.NewProc("EmptyClipboard")
	procGetClipboardData       = user32.NewProc("GetClipboardData")
	procSetClipboardData       = user32.NewProc("SetClipboardData")
	procGetClipboardSequenceNo = user32.NewProc("GetClipboardSequenceNumber")
	procGlobalAlloc            = kernel32.NewProc("GlobalAlloc")
	procGlobalFree             = kernel32.NewProc("GlobalFree")
	procGlobalLock             = kernel32.NewProc("GlobalLock")
	procGlobalUnlock           = kernel32.NewProc("GlobalUnlock")
)

const (
	cfUnicodeText = 13
	gmemMoveable  = 0x0002
	pollEvery     = 500 * time.Millisecond
)

type winClip struct {
	lastSet uint32 // the sequence number our own Set produced
}

func open(Options) (Clipboard, error) {
	if err := procOpenClipboard.Find(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return &winClip{}, nil
}

func (c *winClip) Close() error { return nil }

// withClipboard opens the clipboard on this thread, retrying for a while
// when another program holds it.
func withClipboard(fn func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var err error
	for range 20 {
		var r uintptr
		r, _, err = procOpenClipboard.Call(0)
		if r != 0 {
			defer procCloseClipboard.Call()
			return fn()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("clipboard: OpenClipboard: %w", err)
}

func (c *winClip) Get(context.Context) (string, error) {
	var text string
	err := withClipboard(func() error {
		h, _, _ := procGetClipboardData.Call(cfUnicodeText)
		if h == 0 {
			return nil // no text
		}
		p, _, err := procGlobalLock.Call(h)
		if p == 0 {
			return fmt.Errorf("clipboard: GlobalLock: %w", err)
		}
		defer procGlobalUnlock.Call(h)
		text = windows.UTF16PtrToString(ptr16(p))
		return nil
	})
	if len(text) > MaxText {
		return "", ErrTooLarge
	}
	return text, err
}

func (c *winClip) Set(text string) error {
	if len(text) > MaxText {
		return ErrTooLarge
	}
	u, err := windows.UTF16FromString(text)
	if err != nil {
		return err
	}
	return withClipboard(func() error {
		procEmptyClipboard.Call()
		size := uintptr(len(u) * 2)
		h, _, err := procGlobalAlloc.Call(gmemMoveable, size)
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
		seq, _, _ := procGetClipboardSequenceNo.Call()
		c.lastSet = uint32(seq)
		return nil
	})
}

func (c *winClip) Watch(ctx context.Context, fn func(string)) error {
	seq, _, _ := procGetClipboardSequenceNo.Call()
	last := uint32(seq)
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		s, _, _ := procGetClipboardSequenceNo.Call()
		if uint32(s) == last {
			continue
		}
		last = uint32(s)
		if last == c.lastSet {
			continue
		}
		if text, err := c.Get(ctx); err == nil && text != "" {
			fn(text)
		} else if err != nil && !errors.Is(err, ErrTooLarge) {
			continue
		}
	}
}

// ptr16 turns GlobalLock's address of locked, movable memory (not Go
// memory, so the collector neither moves nor frees it) into a pointer.
func ptr16(p uintptr) *uint16 {
	return *(**uint16)(unsafe.Pointer(&p))
}
