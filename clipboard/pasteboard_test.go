package clipboard

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakePasteboard is NSPasteboard as another program sees it: a change
// count and one string.
type fakePasteboard struct {
	mu    sync.Mutex
	count int64
	text  string
}

func (p *fakePasteboard) ChangeCount() int64 { p.mu.Lock(); defer p.mu.Unlock(); return p.count }

func (p *fakePasteboard) ReadString() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.text, nil
}

// WriteString is clearContents (count + 1) and setString:forType:.
func (p *fakePasteboard) WriteString(s string) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count++
	p.text = s
	return p.count, nil
}

func TestPasteboardClipboard(t *testing.T) {
	pb := &fakePasteboard{count: 41, text: "before"}
	c := newPBClip(pb, 2*time.Millisecond)
	if got, err := c.Get(t.Context()); err != nil || got != "before" {
		t.Fatalf("Get: %q, %v", got, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	seen := make(chan string, 8)
	done := make(chan error, 1)
	go func() { done <- c.Watch(ctx, func(s string) { seen <- s }) }()
	time.Sleep(20 * time.Millisecond) // the first count is taken

	steps := []struct {
		name   string
		ours   bool
		text   string
		report bool
	}{
		{"the technician's text", true, "from the technician ✓", false},
		{"another program copies", false, "copied in TextEdit 😀\n", true},
		{"the same again", false, "copied in TextEdit 😀\n", false},
		{"the technician again", true, "x", false},
		{"that program's text again is new", false, "copied in TextEdit 😀\n", true},
	}
	for _, s := range steps {
		if s.ours {
			if err := c.Set(s.text); err != nil {
				t.Fatal(err)
			}
		} else {
			pb.WriteString(s.text)
		}
		select {
		case got := <-seen:
			if !s.report || got != s.text {
				t.Fatalf("%s: reported %q", s.name, got)
			}
		case <-time.After(200 * time.Millisecond):
			if s.report {
				t.Fatalf("%s: not reported", s.name)
			}
		}
		if got, _ := c.Get(t.Context()); got != s.text {
			t.Fatalf("%s: Get %q", s.name, got)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Watch: %v", err)
	}
	if err := c.Set(strings.Repeat("x", MaxText+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Set over MaxText: %v", err)
	}
	pb.WriteString(strings.Repeat("y", MaxText+1))
	if _, err := c.Get(t.Context()); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Get over MaxText: %v", err)
	}
}
