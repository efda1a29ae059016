package agent

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

type fakeView struct{ paused bool }

func (f *fakeView) SetPaused(p bool) { f.paused = p }

func TestCustomerControls(t *testing.T) {
	var c customerControls
	a := &fakeView{}
	ctx, stop := context.WithCancel(t.Context())
	c.add(a, stop)
	for _, tc := range []struct {
		line   string
		paused bool
		says   string
	}{
		{"p", true, "Control paused"},
		{" R ", false, "Control resumed"},
		{"pause", true, "Control paused"},
		{"hello", true, ""},
		{"?", true, "p = pause control"},
	} {
		out := c.command(tc.line)
		if a.paused != tc.paused || (tc.says == "" && out != "") || !strings.Contains(out, tc.says) {
			t.Fatalf("%q: paused=%v out=%q", tc.line, a.paused, out)
		}
	}
	// A view that starts while paused starts paused.
	b := &fakeView{}
	c.add(b, func() {})
	if !b.paused {
		t.Fatal("new view not paused")
	}
	if out := c.command("s"); !strings.Contains(out, "stopped") || ctx.Err() == nil {
		t.Fatalf("stop: %q, view ctx %v", out, ctx.Err())
	}
	if out := c.command("s"); !strings.Contains(out, "No one") {
		t.Fatalf("second stop: %q", out)
	}
}

func TestTerminalConsentTakesNextLine(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	s := &Support{o: SupportOptions{Stdout: &strings.Builder{}}, lines: &lineReader{in: pr}}
	go s.readCommands(t.Context())
	done := make(chan bool, 1)
	go func() { done <- s.terminalConfirm(t.Context(), "Allow?") }()
	for {
		s.answerMu.Lock()
		asked := s.answer != nil
		s.answerMu.Unlock()
		if asked {
			break
		}
		time.Sleep(time.Millisecond)
	}
	io.WriteString(pw, "yes\n")
	if !<-done {
		t.Fatal("consent answer not taken")
	}
}
