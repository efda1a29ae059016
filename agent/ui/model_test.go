package ui

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

func testModel(t *testing.T) *model {
	m := newModel(Options{Lang: English, Title: "t", Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { m.shutdown(false) })
	return m
}

func waitPrompt(t *testing.T, m *model, kind promptKind) *promptView {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if s := m.snapshot(); s.prompt != nil && s.prompt.kind == kind {
			return s.prompt
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no prompt of kind %d", kind)
	return nil
}

func recvEvent(t *testing.T, m *model) Event {
	t.Helper()
	select {
	case ev := <-m.Events():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	return Event{}
}

func TestModelQuestionsInOrder(t *testing.T) {
	m := testModel(t)
	code := make(chan string, 1)
	go func() { c, _ := m.AskSecurityCode(context.Background(), "note"); code <- c }()
	p := waitPrompt(t, m, promptCode)
	if p.text != "note" {
		t.Fatalf("note %q", p.text)
	}
	ok := make(chan bool, 1)
	go func() { a, _ := m.Confirm(context.Background(), Question{Text: "q"}); ok <- a }()
	time.Sleep(20 * time.Millisecond)
	if s := m.snapshot(); s.prompt.id != p.id {
		t.Fatal("a second question replaced the first")
	}
	if m.submitCode(p.id, "   ") {
		t.Fatal("blank code accepted")
	}
	m.submitCode(p.id, " 123 ")
	if c := <-code; c != "123" {
		t.Fatalf("code %q", c)
	}
	q := waitPrompt(t, m, promptConfirm)
	if q.allow != "Allow" || q.deny != "Deny" {
		t.Fatalf("labels %q %q", q.allow, q.deny)
	}
	m.resolve(p.id, answer{ok: true}) // stale id: ignored
	m.resolve(q.id, answer{ok: true})
	if !<-ok {
		t.Fatal("Confirm = false")
	}
}

func TestModelConfirmTimeout(t *testing.T) {
	m := testModel(t)
	start := time.Now()
	ok, err := m.Confirm(context.Background(), Question{Text: "q", Timeout: 50 * time.Millisecond, Default: true})
	if err != nil || !ok || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("got %v %v after %v", ok, err, time.Since(start))
	}
	if m.snapshot().prompt != nil {
		t.Fatal("prompt left behind")
	}
	p := &promptView{kind: promptConfirm, allow: "Allow", deny: "Deny", deadline: start.Add(10 * time.Second)}
	if a, d := p.buttonLabels(English, start.Add(1500*time.Millisecond)); a != "Allow" || d != "Deny (9 s)" {
		t.Fatalf("countdown labels %q %q", a, d)
	}
}

func TestModelCancelAndClose(t *testing.T) {
	m := testModel(t)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := m.Confirm(ctx, Question{Text: "q"}); errc <- err }()
	waitPrompt(t, m, promptConfirm)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v", err)
	}
	go func() { _, err := m.AskSecurityCode(context.Background(), ""); errc <- err }()
	waitPrompt(t, m, promptCode)
	m.closedByCustomer()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
	if ev := recvEvent(t, m); ev.Kind != EventClosed {
		t.Fatalf("event %v", ev.Kind)
	}
	if _, open := <-m.Events(); open {
		t.Fatal("events still open after EventClosed")
	}
	if _, err := m.AskSecurityCode(context.Background(), ""); !errors.Is(err, ErrClosed) {
		t.Fatalf("ask after close: %v", err)
	}
}

func TestModelCustomerActions(t *testing.T) {
	m := testModel(t)
	m.pause() // nothing shared: no event
	m.SetState(State{Phase: PhaseSharing, Technician: "Anna"})
	m.pause()
	m.pause()
	m.resume()
	m.stopSharing()
	if !m.sendChat("  hi  ") || m.sendChat(" ") {
		t.Fatal("sendChat")
	}
	m.askEnd()
	m.askEnd() // once
	p := waitPrompt(t, m, promptEnd)
	m.resolve(p.id, answer{ok: true})
	want := []Event{{Kind: EventPause}, {Kind: EventResume}, {Kind: EventStopSharing},
		{Kind: EventChat, Text: "hi"}, {Kind: EventEndSession}}
	for _, w := range want {
		if ev := recvEvent(t, m); ev != w {
			t.Fatalf("got %+v, want %+v", ev, w)
		}
	}
	s := m.snapshot()
	if s.state.Phase != PhaseWaitingTechnician || !s.stopped || len(s.chat) != 1 || s.chat[0].Text != "hi" {
		t.Fatalf("state %+v chat %+v", s.state, s.chat)
	}
	if _, detail := s.stateText(); detail != T(English, keyStopped) {
		t.Fatalf("detail %q", detail)
	}
	m.SetState(State{Phase: PhaseEnded, Detail: "This support session has expired."})
	s = m.snapshot()
	if _, detail := s.stateText(); detail != "This support session has expired." {
		t.Fatalf("detail %q", detail)
	}
	if pause, stop, end, chat := s.controls(); pause || stop || end || chat {
		t.Fatal("controls enabled after the end")
	}
}

// A window nobody reads events from must not block the customer.
func TestEventQueueUnbounded(t *testing.T) {
	q := newEventQueue()
	for range 1000 {
		q.push(Event{Kind: EventPause})
	}
	q.finish(Event{Kind: EventClosed})
	n := 0
	var last Event
	for ev := range q.out {
		n++
		last = ev
	}
	if n != 1001 || last.Kind != EventClosed {
		t.Fatalf("%d events, last %v", n, last.Kind)
	}
}
