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

// TestLineReaderEachLineOnce: two prompts waiting at once get one line
// each, never the same one, and the end of the input answers a prompt
// still waiting with errNoAnswer.
func TestLineReaderEachLineOnce(t *testing.T) {
	pr, pw := io.Pipe()
	l := &lineReader{in: pr}
	got := make(chan string, 3)
	for range 3 {
		go func() {
			s, err := l.line(t.Context())
			if err != nil {
				s = err.Error()
			}
			got <- s
		}()
	}
	io.WriteString(pw, "first\nsecond\n")
	pw.Close()
	seen := map[string]int{}
	for range 3 {
		seen[<-got]++
	}
	if seen["first"] != 1 || seen["second"] != 1 || seen[errNoAnswer.Error()] != 1 {
		t.Fatalf("the prompts got %v", seen)
	}
}
