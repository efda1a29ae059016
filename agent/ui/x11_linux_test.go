package ui

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// The X11 tests open real windows on a private Xvfb, drive them with
// xdotool (XTEST, the same events a mouse and keyboard make) and compare
// screenshots of the window with the golden images of TestRenderGolden.

func TestX11SharingPauseStop(t *testing.T) {
	x := newXEnv(t)
	w := x.open(Options{})
	x.eventually("window found by name", func() bool {
		return slices.Contains(x.findByName("Tether remote support"), w.win)
	})
	x.focus(w)
	w.SetState(State{Phase: PhaseSharing, Technician: goldenTech})
	for _, c := range goldenChat(English) {
		w.AddChat(c)
	}
	x.waitGolden(w, "sharing-en")

	x.click(w, wPause)
	if ev := nextEvent(t, w); ev.Kind != EventPause {
		t.Fatalf("got %v, want pause", ev.Kind)
	}
	x.waitGolden(w, "paused-en") // "Sharing paused." and the Resume label
	x.click(w, wPause)
	if ev := nextEvent(t, w); ev.Kind != EventResume {
		t.Fatalf("got %v, want resume", ev.Kind)
	}
	x.waitGolden(w, "sharing-en")

	x.click(w, wStop)
	if ev := nextEvent(t, w); ev.Kind != EventStopSharing {
		t.Fatalf("got %v, want stop-sharing", ev.Kind)
	}
	if s := w.snapshot(); s.state.Phase != PhaseWaitingTechnician || !s.stopped {
		t.Fatalf("after stop: phase %v stopped %v", s.state.Phase, s.stopped)
	}
	noEvent(t, w)
}

func TestX11Properties(t *testing.T) {
	x := newXEnv(t)
	w := x.open(Options{})
	if got := string(x.property(w.win, "_NET_WM_NAME")); got != "Tether remote support" {
		t.Errorf("_NET_WM_NAME %q", got)
	}
	if got := string(x.property(w.win, "WM_CLASS")); got != "tether\x00Tether\x00" {
		t.Errorf("WM_CLASS %q", got)
	}
	var names []string
	for _, prop := range []string{"_NET_WM_STATE", "WM_PROTOCOLS"} {
		v := x.property(w.win, prop)
		for i := 0; i+4 <= len(v); i += 4 {
			names = append(names, x.atomName(xgb.Get32(v[i:])))
		}
	}
	for _, want := range []string{"_NET_WM_STATE_ABOVE", "WM_DELETE_WINDOW"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s not set (have %v)", want, names)
		}
	}
	if icon := x.property(w.win, "_NET_WM_ICON"); len(icon) < 8 || xgb.Get32(icon) != 16 {
		t.Errorf("_NET_WM_ICON missing or malformed (%d bytes)", len(icon))
	}
	g, err := xproto.GetGeometry(x.conn, xproto.Drawable(w.win)).Reply()
	if err != nil || g.Width != winW || g.Height != winH {
		t.Fatalf("geometry %v %v, want %dx%d", g, err, winW, winH)
	}
}

func TestX11SecurityCode(t *testing.T) {
	x := newXEnv(t)
	w := x.open(Options{})
	x.focus(w)
	type result struct {
		code string
		err  error
	}
	ask := func(note string) <-chan result {
		ch := make(chan result, 1)
		go func() {
			c, err := w.AskSecurityCode(context.Background(), note)
			ch <- result{c, err}
		}()
		return ch
	}
	got := ask(goldenNote)
	x.waitGolden(w, "code-en") // the entry has the focus: no click needed
	x.xdotool("type", "--delay", "20", "7KQ4-M2XD")
	x.xdotool("key", "Return")
	select {
	case r := <-got:
		if r.err != nil || r.code != "7KQ4-M2XD" {
			t.Fatalf("AskSecurityCode = %q, %v", r.code, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("AskSecurityCode did not return")
	}
	x.eventually("prompt gone", func() bool { return w.snapshot().prompt == nil })

	// Again, this time answered with the OK button after a correction.
	got = ask("")
	x.eventually("prompt shown", func() bool { return x.onLoop(w, func() bool { return w.v.promptKind == promptCode }) })
	x.xdotool("type", "--delay", "20", "4811")
	x.xdotool("key", "BackSpace", "2")
	x.click(w, wAllow)
	if r := <-got; r.err != nil || r.code != "4812" {
		t.Fatalf("AskSecurityCode = %q, %v", r.code, r.err)
	}
}

func TestX11ChatUmlauts(t *testing.T) {
	x := newXEnv(t)
	w := x.open(Options{})
	w.SetState(State{Phase: PhaseSharing, Technician: goldenTech})
	x.focus(w)
	x.click(w, wChatEntry)
	// Umlauts as a German layout has them (Shift gives the capitals);
	// "é" is on no key, so xdotool maps it onto a spare keycode just to
	// type it, which the window must pick up from the MappingNotify.
	x.addKeys(t, [][2]uint32{{0xe4, 0xc4}, {0xf6, 0xd6}, {0xfc, 0xdc}, {0xdf, 0x3f}})
	const text = "Grüße aus Köln: Öl & Maß (100 %), café!"
	x.xdotool("type", "--delay", "30", text)
	x.xdotool("key", "Return")
	if ev := nextEvent(t, w); ev.Kind != EventChat || ev.Text != text {
		t.Fatalf("got %v %q, want chat %q", ev.Kind, ev.Text, text)
	}
	x.xdotool("type", "--delay", "20", "Danke")
	x.click(w, wSend)
	if ev := nextEvent(t, w); ev.Kind != EventChat || ev.Text != "Danke" {
		t.Fatalf("got %v %q, want chat Danke", ev.Kind, ev.Text)
	}
	s := w.snapshot()
	if len(s.chat) != 2 || s.chat[0].Text != text || s.chat[0].FromTechnician {
		t.Fatalf("history %+v", s.chat)
	}
}

func TestX11Unread(t *testing.T) {
	x := newXEnv(t)
	w := x.open(Options{})
	w.SetState(State{Phase: PhaseSharing, Technician: goldenTech})
	x.unfocus(w)
	w.AddChat(ChatMessage{FromTechnician: true, Name: goldenTech, Text: "Are you there?"})
	unread := func() int {
		var n int
		w.onLoop(func() { s := w.snapshot(); n = w.v.unread(&s) })
		return n
	}
	x.eventually("unread mark", func() bool { return unread() == 1 })
	urgent := func() bool { h := x.property(w.win, "WM_HINTS"); return len(h) >= 4 && xgb.Get32(h)&256 != 0 }
	x.eventually("urgency hint", urgent)
	x.focus(w)
	x.eventually("read", func() bool { return unread() == 0 && !urgent() })
}

func TestX11Confirm(t *testing.T) {
	x := newXEnv(t)
	w := x.open(Options{})
	x.focus(w)
	w.SetState(State{Phase: PhaseWaitingTechnician, Technician: goldenTech})
	ctx := context.Background()

	for _, def := range []bool{true, false} {
		start := time.Now()
		ok, err := w.Confirm(ctx, Question{Text: "Restart now?", Timeout: 700 * time.Millisecond, Default: def})
		if err != nil || ok != def || time.Since(start) < 600*time.Millisecond {
			t.Fatalf("Confirm with timeout, default %v: %v, %v after %v", def, ok, err, time.Since(start))
		}
	}

	for _, allow := range []bool{true, false} {
		got := make(chan bool, 1)
		go func() {
			ok, err := w.Confirm(ctx, Question{Text: goldenConsent})
			if err != nil {
				t.Error(err)
			}
			got <- ok
		}()
		x.waitGolden(w, "consent-en")
		if allow {
			x.click(w, wAllow)
		} else {
			x.click(w, wDeny)
		}
		if ok := <-got; ok != allow {
			t.Fatalf("Confirm = %v, want %v", ok, allow)
		}
	}

	// A cancelled question disappears.
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { _, err := w.Confirm(cctx, Question{Text: "Pin?"}); done <- err }()
	x.eventually("question shown", func() bool { return w.snapshot().prompt != nil })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Confirm: %v", err)
	}
	x.eventually("question gone", func() bool { return w.snapshot().prompt == nil })
}

func TestX11EndSession(t *testing.T) {
	x := newXEnv(t)
	w := x.open(Options{})
	x.focus(w)
	w.SetState(State{Phase: PhaseSharing, Technician: goldenTech})
	x.click(w, wEnd)
	x.eventually("end question", func() bool {
		s := w.snapshot()
		return s.prompt != nil && s.prompt.kind == promptEnd
	})
	x.xdotool("key", "Escape")
	x.eventually("end question cancelled", func() bool { return w.snapshot().prompt == nil })
	noEvent(t, w)

	x.click(w, wEnd)
	x.click(w, wAllow)
	if ev := nextEvent(t, w); ev.Kind != EventEndSession {
		t.Fatalf("got %v, want end-session", ev.Kind)
	}
}

func TestX11CloseByWindowManager(t *testing.T) {
	x := newXEnv(t)
	w := x.open(Options{})
	asked := make(chan error, 1)
	go func() { _, err := w.AskSecurityCode(context.Background(), ""); asked <- err }()
	x.eventually("prompt shown", func() bool { return w.snapshot().prompt != nil })
	x.sendDelete(w)
	if ev := nextEvent(t, w); ev.Kind != EventClosed {
		t.Fatalf("got %v, want closed", ev.Kind)
	}
	if _, ok := <-w.Events(); ok {
		t.Fatal("events not closed after EventClosed")
	}
	if err := <-asked; !errors.Is(err, ErrClosed) {
		t.Fatalf("pending AskSecurityCode: %v", err)
	}
	x.eventually("window gone", func() bool { return len(x.findByName("Tether remote support")) == 0 })
	if _, err := w.Confirm(context.Background(), Question{Text: "?"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Confirm after close: %v", err)
	}
}

func TestX11CloseByProgram(t *testing.T) {
	x := newXEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := Open(ctx, Options{Lang: English})
	if err != nil {
		t.Fatal(err)
	}
	cancel() // the app quits: the window goes, without EventClosed
	for ev := range w.Events() {
		t.Fatalf("unexpected event %v", ev.Kind)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	x.eventually("window gone", func() bool { return len(x.findByName("Tether remote support")) == 0 })
}

// TestX11HiDPI: Xft.dpi 144 (as desktops set it for 150 %) scales the
// window; German comes from LANG.
func TestX11HiDPI(t *testing.T) {
	x := newXEnv(t)
	db := "Xft.antialias:\t1\nXft.dpi:\t144\n"
	xproto.ChangeProperty(x.conn, xproto.PropModeReplace, x.root, xproto.AtomResourceManager,
		xproto.AtomString, 8, uint32(len(db)), []byte(db))
	x.sync()
	t.Setenv("LANG", "de_DE.UTF-8")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	ww, err := Open(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ww.Close()
	w := ww.(*x11Window)
	x.focus(w)
	go w.AskSecurityCode(context.Background(), "")
	x.waitGolden(w, "code-de@1.5")
	if ws := x.findByName("Tether Fernwartung"); !slices.Contains(ws, w.win) {
		t.Fatalf("German title not found (%v)", ws)
	}
}

func TestOpenWithoutDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	_, err := Open(context.Background(), Options{})
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Open without DISPLAY: %v", err)
	}
	if !strings.Contains(fmt.Sprint(err), "DISPLAY") {
		t.Errorf("error does not say why: %v", err)
	}
}

// TestX11KeyboardOnly: Tab reaches the buttons and Space presses them.
func TestX11KeyboardOnly(t *testing.T) {
	x := newXEnv(t)
	w := x.open(Options{})
	w.SetState(State{Phase: PhaseSharing, Technician: goldenTech})
	x.focus(w)
	x.eventually("sharing drawn", func() bool { return x.onLoop(w, func() bool { return w.v.enabled[wPause] }) })
	x.xdotool("key", "Tab", "space")
	if ev := nextEvent(t, w); ev.Kind != EventPause {
		t.Fatalf("got %v, want pause", ev.Kind)
	}
	x.xdotool("key", "Tab", "Return") // Stop sharing
	if ev := nextEvent(t, w); ev.Kind != EventStopSharing {
		t.Fatalf("got %v, want stop-sharing", ev.Kind)
	}
}

// TestX11GermanLayout types with a real German XKB layout: AltGr (level 3)
// characters and umlauts on their own keys.
func TestX11GermanLayout(t *testing.T) {
	x := newXEnv(t)
	if _, err := exec.LookPath("setxkbmap"); err != nil {
		t.Skip("setxkbmap not installed")
	}
	if out, err := exec.Command("setxkbmap", "de").CombinedOutput(); err != nil {
		t.Fatalf("setxkbmap de: %v: %s", err, out)
	}
	w := x.open(Options{})
	w.SetState(State{Phase: PhaseSharing, Technician: goldenTech})
	x.focus(w)
	x.click(w, wChatEntry)
	const text = "Öffnen: max@beispiel.de {ÄÜß} 5 € \\o/"
	x.xdotool("type", "--delay", "30", text)
	x.xdotool("key", "Return")
	if ev := nextEvent(t, w); ev.Kind != EventChat || ev.Text != text {
		t.Fatalf("got %v %q, want chat %q", ev.Kind, ev.Text, text)
	}
}
