package agent

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// TestLineReaderAbandonedPromptTakesNoLine: a prompt that stopped waiting
// (its question timed out, its link dropped) does not take the line typed
// next: that line answers the next question.
func TestLineReaderAbandonedPromptTakesNoLine(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	l := &lineReader{in: pr}
	ctx, cancel := context.WithCancel(t.Context())
	abandoned := make(chan error, 1)
	go func() { _, err := l.line(ctx); abandoned <- err }()
	time.Sleep(20 * time.Millisecond) // the first prompt waits for a line
	cancel()
	if err := <-abandoned; !errors.Is(err, context.Canceled) {
		t.Fatalf("the abandoned prompt: %v", err)
	}
	go io.WriteString(pw, "y\n")
	next, stop := context.WithTimeout(t.Context(), 5*time.Second)
	defer stop()
	if got, err := l.line(next); err != nil || got != "y" {
		t.Fatalf("the next prompt got %q, %v", got, err)
	}
}

// TestLineReaderOnePromptAtATime: two prompts waiting at once take the
// lines in turn, each one line, and the end of the input answers both.
func TestLineReaderOnePromptAtATime(t *testing.T) {
	pr, pw := io.Pipe()
	l := &lineReader{in: pr}
	got := make(chan string, 2)
	for range 2 {
		go func() {
			s, err := l.line(t.Context())
			if err != nil {
				s = err.Error()
			}
			got <- s
		}()
	}
	io.WriteString(pw, "first\nsecond\n")
	a, b := <-got, <-got
	if !(a == "first" && b == "second" || a == "second" && b == "first") {
		t.Fatalf("lines %q and %q", a, b)
	}
	pw.Close()
	if _, err := l.line(t.Context()); !errors.Is(err, errNoAnswer) {
		t.Fatalf("at the end of the input: %v", err)
	}
}
