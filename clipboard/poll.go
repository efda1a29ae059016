package clipboard

import (
	"context"
	"errors"
	"time"
)

// changeCounter is a clipboard that numbers its changes but does not say
// when they happen: macOS' NSPasteboard changeCount, and Windows'
// GetClipboardSequenceNumber where no clipboard listener can be had.
type changeCounter interface {
	// Count is the current change number.
	Count() int64
	// Text reads the current text ("" when there is none).
	Text() (string, error)
	// Ours reports whether change number n is one our own Set made.
	Ours(n int64) bool
}

// pollChanges calls fn with the text each time the change number moves to
// one that is not ours, checking every interval until ctx ends.
func pollChanges(ctx context.Context, c changeCounter, every time.Duration, fn func(string)) error {
	t := time.NewTicker(every)
	defer t.Stop()
	return onTicks(ctx, c, t.C, fn)
}

// onTicks is pollChanges checking at each tick. A burst of changes
// between two checks is one report (the text at the check), and repeats
// are not reported (copyFilter).
func onTicks(ctx context.Context, c changeCounter, ticks <-chan time.Time, fn func(string)) error {
	last, copies := c.Count(), copyFilter{}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticks:
		}
		n := c.Count()
		if n == last {
			continue
		}
		last = n
		if c.Ours(n) {
			copies.ours()
			continue
		}
		text, err := c.Text()
		if err != nil && !errors.Is(err, ErrTooLarge) {
			continue // held by another program; the next change tells
		}
		if err == nil {
			copies.report(text, fn)
		}
	}
}

// copyFilter tells the technician's side of new copies only: text equal
// to the last one reported is not reported again (programs that write
// several formats in turn, or the same text twice, make one copy), until
// our own Set came between.
type copyFilter struct{ last string }

// ours notes that our own Set changed the clipboard: the other program's
// text again is a new copy.
func (f *copyFilter) ours() { f.last = "" }

// report calls fn with text when it is a new copy.
func (f *copyFilter) report(text string, fn func(string)) {
	if text != "" && text != f.last {
		f.last = text
		fn(text)
	}
}
