// Package clipboard reads, writes and watches the system clipboard as text,
// for the technician's clipboard sync (SPEC D1: clipboard text both ways).
//
//   - X11 (Linux): the CLIPBOARD selection through jezek/xgb, as a small
//     but complete selection client: an owner that answers TARGETS and
//     UTF8_STRING/STRING/TEXT requests (INCR for large text), a requestor
//     that converts the owner's text (INCR too), and XFixes selection
//     events to notice another program taking the clipboard.
//   - Windows: user32's OpenClipboard/GetClipboardData(CF_UNICODETEXT)
//     and SetClipboardData from a message-only window on a thread of its
//     own, changes from WM_CLIPBOARDUPDATE (polling the sequence number
//     without a listener). Tested under Wine against Notepad.
//   - macOS: the general NSPasteboard through the Objective-C runtime
//     (purego), changes by polling its changeCount. It only compiles here
//     (no Mac); its polling logic is tested with a stand-in pasteboard.
//   - Others: Open returns ErrUnsupported.
//
// Text travels with "\n" line breaks (Windows' "\r\n" is converted) and is
// bounded by MaxText; longer text is not offered.
package clipboard

import (
	"context"
	"errors"
)

// MaxText bounds clipboard text in bytes (UTF-8), both ways.
const MaxText = 1 << 20

// ErrUnsupported means there is no clipboard this package can reach.
var ErrUnsupported = errors.New("clipboard: not supported here")

// ErrTooLarge is returned by Set for text over MaxText.
var ErrTooLarge = errors.New("clipboard: text too large")

// Clipboard is the system clipboard of one desktop session.
type Clipboard interface {
	// Get returns the current text ("" when the clipboard holds none).
	Get(ctx context.Context) (string, error)
	// Set makes text the clipboard's content (this process owns it until
	// another program takes it or Close).
	Set(text string) error
	// Watch calls fn with the text each time another program puts text
	// on the clipboard, until ctx ends. Text set by Set is not reported.
	Watch(ctx context.Context, fn func(text string)) error
	Close() error
}

// Options select the desktop session.
type Options struct {
	// Display and XAuthority name the X11 session ("" = $DISPLAY and the
	// default authority).
	Display, XAuthority string
}

// Open connects to the clipboard.
func Open(o Options) (Clipboard, error) { return open(o) }
