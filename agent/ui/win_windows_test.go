package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// These tests run on Windows and under Wine (wine_linux_test.go runs them
// there on Xvfb). They read the real controls back with WM_GETTEXT.

const goldenTechW = "Anna Schmidt"

func openWin(t *testing.T) *winWindow {
	t.Helper()
	w, err := Open(context.Background(), Options{Lang: English})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w.(*winWindow)
}

// ctlText reads a control's text on the UI thread.
func (w *winWindow) ctlText(id ctlID) string {
	var s string
	w.onUI(func() { s = getText(w.ctl[id]) })
	return s
}

func (w *winWindow) ctlVisible(id ctlID) bool {
	var v bool
	w.onUI(func() { v = call(procIsWindowVisible, uintptr(w.ctl[id])) != 0 })
	return v
}

func (w *winWindow) ctlEnabled(id ctlID) bool {
	var v bool
	w.onUI(func() { v = call(procIsWindowEnabled, uintptr(w.ctl[id])) != 0 })
	return v
}

// ctlCenter is the middle of a control in screen coordinates (what a
// mouse click there needs).
func (w *winWindow) ctlCenter(id ctlID) (int, int) {
	var r rect
	w.onUI(func() { call(procGetWindowRect, uintptr(w.ctl[id]), uintptr(unsafe.Pointer(&r))) })
	return int(r.Left+r.Right) / 2, int(r.Top+r.Bottom) / 2
}

// windowRect is the whole window in screen coordinates.
func (w *winWindow) windowRect() rect {
	var r rect
	w.onUI(func() { call(procGetWindowRect, uintptr(w.hwnd), uintptr(unsafe.Pointer(&r))) })
	return r
}

// clickCtl presses a button as BM_CLICK does (no mouse needed).
func (w *winWindow) clickCtl(id ctlID) {
	w.onUI(func() { sendMessage(w.ctl[id], bmClick, 0, 0) })
}

// typeInto sets an edit's text as if typed (EN_CHANGE follows).
func (w *winWindow) typeInto(id ctlID, s string) {
	w.onUI(func() { setText(w.ctl[id], s) })
}

func eventuallyW(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitText(t *testing.T, w *winWindow, id ctlID, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for got := w.ctlText(id); got != want; got = w.ctlText(id) {
		if time.Now().After(deadline) {
			t.Fatalf("control %d has text %q, want %q", id, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func nextEventW(t *testing.T, w Window) Event {
	t.Helper()
	select {
	case ev, ok := <-w.Events():
		if !ok {
			t.Fatal("events closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return Event{}
}

func TestWinStateAndButtons(t *testing.T) {
	w := openWin(t)
	waitText(t, w, ctlState, "Waiting for your security code.")
	if w.ctlEnabled(ctlPause) {
		t.Fatal("Pause enabled before sharing")
	}
	w.SetState(State{Phase: PhaseSharing, Technician: goldenTechW})
	waitText(t, w, ctlState, "Anna Schmidt can see and control your screen.")
	waitText(t, w, ctlPause, "Pause")
	w.clickCtl(ctlPause)
	if ev := nextEventW(t, w); ev.Kind != EventPause {
		t.Fatalf("got %v", ev.Kind)
	}
	waitText(t, w, ctlState, "Sharing paused.")
	waitText(t, w, ctlPause, "Resume")
	w.clickCtl(ctlPause)
	if ev := nextEventW(t, w); ev.Kind != EventResume {
		t.Fatalf("got %v", ev.Kind)
	}
	w.clickCtl(ctlStop)
	if ev := nextEventW(t, w); ev.Kind != EventStopSharing {
		t.Fatalf("got %v", ev.Kind)
	}
	waitText(t, w, ctlState, "Waiting for your technician.")
	w.clickCtl(ctlEnd)
	eventuallyW(t, "end question", func() bool { return w.ctlVisible(ctlAllow) && w.ctlText(ctlAllow) == "End session" })
	w.clickCtl(ctlAllow)
	if ev := nextEventW(t, w); ev.Kind != EventEndSession {
		t.Fatalf("got %v", ev.Kind)
	}
}

func TestWinSecurityCodeAndConfirm(t *testing.T) {
	w := openWin(t)
	got := make(chan string, 1)
	go func() {
		c, err := w.AskSecurityCode(context.Background(), "Invalid security code. 2 attempts left.")
		if err != nil {
			t.Error(err)
		}
		got <- c
	}()
	eventuallyW(t, "code entry", func() bool { return w.ctlVisible(ctlCode) })
	waitText(t, w, ctlNote, "Invalid security code. 2 attempts left.")
	if w.ctlEnabled(ctlAllow) {
		t.Fatal("OK enabled with an empty code")
	}
	w.typeInto(ctlCode, " 7kq4-m2xd ")
	eventuallyW(t, "OK enabled", func() bool { return w.ctlEnabled(ctlAllow) })
	w.clickCtl(ctlAllow)
	if c := <-got; c != "7kq4-m2xd" { // trimmed; the agent normalises
		t.Fatalf("code %q", c)
	}
	eventuallyW(t, "code entry hidden", func() bool { return !w.ctlVisible(ctlCode) })

	ok, err := w.Confirm(context.Background(), Question{Text: "Restart?", Timeout: 700 * time.Millisecond, Default: true})
	if err != nil || !ok {
		t.Fatalf("timeout default: %v %v", ok, err)
	}
	ans := make(chan bool, 1)
	go func() {
		ok, _ := w.Confirm(context.Background(), Question{Text: "Allow?", Allow: "Yes", Deny: "No"})
		ans <- ok
	}()
	waitText(t, w, ctlDeny, "No")
	w.clickCtl(ctlDeny)
	if <-ans {
		t.Fatal("Deny answered true")
	}
}

func TestWinChat(t *testing.T) {
	w := openWin(t)
	w.SetState(State{Phase: PhaseSharing, Technician: goldenTechW})
	w.AddChat(ChatMessage{FromTechnician: true, Name: goldenTechW, Text: "Hello!", At: time.Date(2025, 3, 4, 14, 2, 0, 0, time.Local)})
	eventuallyW(t, "chat log", func() bool { return strings.Contains(w.ctlText(ctlChatLog), "Anna Schmidt · 14:02\r\nHello!") })
	eventuallyW(t, "send disabled", func() bool { return w.ctlEnabled(ctlChatInput) && !w.ctlEnabled(ctlSend) })
	w.typeInto(ctlChatInput, "Grüße, Öl & Maß")
	eventuallyW(t, "send enabled", func() bool { return w.ctlEnabled(ctlSend) })
	w.clickCtl(ctlSend)
	if ev := nextEventW(t, w); ev.Kind != EventChat || ev.Text != "Grüße, Öl & Maß" {
		t.Fatalf("got %v %q", ev.Kind, ev.Text)
	}
	eventuallyW(t, "own message shown", func() bool { return strings.Contains(w.ctlText(ctlChatLog), "You · ") })
	waitText(t, w, ctlChatInput, "")
}

func TestWinCloseByCustomer(t *testing.T) {
	w := openWin(t)
	asked := make(chan error, 1)
	go func() { _, err := w.AskSecurityCode(context.Background(), ""); asked <- err }()
	eventuallyW(t, "code entry", func() bool { return w.ctlVisible(ctlCode) })
	postMessage(w.hwnd, wmClose, 0, 0) // what the title bar's X sends
	if ev := nextEventW(t, w); ev.Kind != EventClosed {
		t.Fatalf("got %v", ev.Kind)
	}
	if err := <-asked; !errors.Is(err, ErrClosed) {
		t.Fatalf("pending ask: %v", err)
	}
	<-w.loopDone
	if windows.IsWindow(w.hwnd) {
		t.Fatal("window still exists")
	}
}

func TestWinLangID(t *testing.T) {
	for id, want := range map[uint16]Lang{0x0407: German, 0x0c07: German, 0x0409: English, 0x040c: English} {
		if got := langFromLangID(id); got != want {
			t.Errorf("%#x: got %s, want %s", id, got, want)
		}
	}
}
