package clipboard

import (
	"context"
	"sync/atomic"
	"time"
)

// macOS: the general NSPasteboard holds the text and counts its changes
// (changeCount) but tells nobody when they happen, so the clipboard polls
// the count — one Objective-C message, cheap — and reads the text when it
// moved to a number our own Set did not make. The pasteboard calls live
// in pasteboard_darwin.go (purego, no cgo); this half is portable so its
// logic is tested everywhere.

// pasteboardPollEvery is how often Watch looks at the change count.
const pasteboardPollEvery = 500 * time.Millisecond

// pasteboard is the part of NSPasteboard the clipboard uses.
type pasteboard interface {
	// ChangeCount is the pasteboard's current change number.
	ChangeCount() int64
	// ReadString returns the text ("" when there is none); ErrTooLarge
	// for text over MaxText.
	ReadString() (string, error)
	// WriteString replaces the contents with s and returns the change
	// number that left.
	WriteString(s string) (int64, error)
}

// pbClip is a Clipboard on a pasteboard.
type pbClip struct {
	pb    pasteboard
	every time.Duration
	ours  atomic.Int64 // change number of our last Set (0: none)
}

func newPBClip(pb pasteboard, every time.Duration) *pbClip {
	return &pbClip{pb: pb, every: every}
}

func (c *pbClip) Get(context.Context) (string, error) {
	s, err := c.pb.ReadString()
	if err == nil && len(s) > MaxText {
		return "", ErrTooLarge
	}
	return s, err
}

func (c *pbClip) Set(text string) error {
	if len(text) > MaxText {
		return ErrTooLarge
	}
	n, err := c.pb.WriteString(text)
	if err != nil {
		return err
	}
	c.ours.Store(n)
	return nil
}

func (c *pbClip) Watch(ctx context.Context, fn func(string)) error {
	return pollChanges(ctx, pbCounter{c}, c.every, fn)
}

func (c *pbClip) Close() error { return nil }

// pbCounter is the pasteboard as a changeCounter.
type pbCounter struct{ c *pbClip }

func (p pbCounter) Count() int64          { return p.c.pb.ChangeCount() }
func (p pbCounter) Text() (string, error) { return p.c.Get(context.Background()) }
func (p pbCounter) Ours(n int64) bool     { return n == p.c.ours.Load() }
