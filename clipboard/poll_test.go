package clipboard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeCounter is a clipboard driven by the test.
type fakeCounter struct {
	mu   sync.Mutex
	n    int64
	text string
	err  error
	ours map[int64]bool
}

func (f *fakeCounter) Count() int64 { f.mu.Lock(); defer f.mu.Unlock(); return f.n }
func (f *fakeCounter) Text() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.text, f.err
}
func (f *fakeCounter) Ours(n int64) bool { f.mu.Lock(); defer f.mu.Unlock(); return f.ours[n] }

// change applies n changes that leave text (and err) on the clipboard.
func (f *fakeCounter) change(text string, err error, ours bool, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.n++
		if ours {
			f.ours[f.n] = true
		}
	}
	f.text, f.err = text, err
}

func TestPollChanges(t *testing.T) {
	held := fmt.Errorf("clipboard: OpenClipboard: %w", errors.New("access denied"))
	type step struct {
		text  string
		err   error
		ours  bool
		burst int // changes before the next check (default 1)
	}
	for _, tc := range []struct {
		name  string
		steps []step
		want  []string
	}{
		{"another program copies", []step{{text: "a"}, {text: "b"}}, []string{"a", "b"}},
		{"our own Set is not reported", []step{{text: "mine", ours: true}, {text: "theirs"}}, []string{"theirs"}},
		{"a burst is one report", []step{{text: "x", burst: 4}}, []string{"x"}},
		{"the same text twice is one report", []step{{text: "x"}, {text: "x"}, {text: "y"}}, []string{"x", "y"}},
		{"the same text after our Set is new", []step{{text: "x"}, {text: "tech", ours: true}, {text: "x"}}, []string{"x", "x"}},
		{"no text (an image) is not reported", []step{{text: ""}, {text: "t"}}, []string{"t"}},
		{"too large is skipped", []step{{err: ErrTooLarge}, {text: "ok"}}, []string{"ok"}},
		{"a held clipboard waits for the next change", []step{{text: "held", err: held}, {text: "later"}}, []string{"later"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeCounter{ours: map[int64]bool{}}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			ticks := make(chan time.Time) // unbuffered: a send waits for the check before
			var got []string
			done := make(chan error, 1)
			go func() { done <- onTicks(ctx, f, ticks, func(s string) { got = append(got, s) }) }()
			// A send returns once the loop took the tick; the second one
			// once it finished that check and waits again.
			check := func() { ticks <- time.Time{}; ticks <- time.Time{} }
			check() // started: the first count is taken
			for _, s := range tc.steps {
				f.change(s.text, s.err, s.ours, max(s.burst, 1))
				check()
			}
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("returned %v", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("reported %q, want %q", got, tc.want)
			}
		})
	}
}
