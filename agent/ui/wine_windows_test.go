package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// The Wine-driven tests: wine_linux_test.go runs this binary under Wine on
// Xvfb with TETHER_WINE_DRIVER=1 and does what it asks over stdin/stdout —
// real mouse clicks and typing with xdotool, screenshots, the window
// manager's close — while the assertions live here, next to the controls.

var (
	driverOnce sync.Once
	driverIn   *bufio.Reader
)

func drive(t *testing.T, c wineCmd) string {
	t.Helper()
	driverOnce.Do(func() { driverIn = bufio.NewReader(os.Stdin) })
	b, _ := json.Marshal(c)
	fmt.Fprintf(os.Stdout, "%s%s\n", wineLinePrefix, b)
	line, err := driverIn.ReadString('\n')
	if err != nil {
		t.Fatalf("driver: %v", err)
	}
	var r wineReply
	if err := json.Unmarshal([]byte(line), &r); err != nil || !r.OK {
		t.Fatalf("driver %s: %q %v", c.Cmd, line, err)
	}
	return r.Out
}

func needDriver(t *testing.T) {
	if os.Getenv(envWineDriver) != "1" {
		t.Skipf("needs the Linux side of wine_linux_test.go (%s=1)", envWineDriver)
	}
}

func (w *winWindow) clickReal(t *testing.T, id ctlID) {
	t.Helper()
	eventuallyW(t, fmt.Sprintf("control %d enabled", id), func() bool { return w.ctlVisible(id) && w.ctlEnabled(id) })
	x, y := w.ctlCenter(id)
	drive(t, wineCmd{Cmd: "click", X: x, Y: y})
}

// TestWineDriven is the scenario of the X11 tests, with the Win32 window.
func TestWineDriven(t *testing.T) {
	needDriver(t)
	w := openWin(t)
	if ids := drive(t, wineCmd{Cmd: "find", Text: "Tether remote support"}); ids == "" {
		t.Fatal("xdotool does not find the window by name")
	}
	w.SetState(State{Phase: PhaseSharing, Technician: goldenTechW})
	for _, c := range wineChat(English) {
		w.AddChat(c)
	}
	waitText(t, w, ctlState, "Anna Schmidt can see and control your screen.")
	eventuallyW(t, "chat shown", func() bool { return strings.Contains(w.ctlText(ctlChatLog), "that's the one.") })

	w.clickReal(t, ctlPause)
	if ev := nextEventW(t, w); ev.Kind != EventPause {
		t.Fatalf("got %v, want pause", ev.Kind)
	}
	waitText(t, w, ctlState, "Sharing paused.")
	waitText(t, w, ctlPause, "Resume")
	w.clickReal(t, ctlPause)
	if ev := nextEventW(t, w); ev.Kind != EventResume {
		t.Fatalf("got %v, want resume", ev.Kind)
	}

	// Chat typed with the keyboard (a German layout on the Linux side).
	w.clickReal(t, ctlChatInput)
	const text = "Grüße aus Köln: Öl & Maß!"
	drive(t, wineCmd{Cmd: "type", Text: text})
	waitText(t, w, ctlChatInput, text)
	drive(t, wineCmd{Cmd: "key", Text: "Return"})
	if ev := nextEventW(t, w); ev.Kind != EventChat || ev.Text != text {
		t.Fatalf("got %v %q, want chat %q", ev.Kind, ev.Text, text)
	}

	// Security code: the entry takes the focus, Enter submits.
	got := make(chan string, 1)
	go func() {
		c, _ := w.AskSecurityCode(context.Background(), "Invalid security code. 2 attempts left.")
		got <- c
	}()
	eventuallyW(t, "code entry", func() bool { return w.ctlVisible(ctlCode) })
	w.clickReal(t, ctlCode)
	drive(t, wineCmd{Cmd: "type", Text: "7KQ4-M2XD"})
	waitText(t, w, ctlCode, "7KQ4-M2XD")
	drive(t, wineCmd{Cmd: "key", Text: "Return"})
	select {
	case c := <-got:
		if c != "7KQ4-M2XD" {
			t.Fatalf("code %q", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("AskSecurityCode did not return")
	}

	// Consent with real clicks on Allow and Deny.
	for _, allow := range []bool{true, false} {
		ans := make(chan bool, 1)
		go func() {
			ok, _ := w.Confirm(context.Background(), Question{Text: fmt.Sprintf(T(English, KeyAskControl), goldenTechW)})
			ans <- ok
		}()
		eventuallyW(t, "question", func() bool { return w.ctlVisible(ctlDeny) })
		if allow {
			w.clickReal(t, ctlAllow)
		} else {
			w.clickReal(t, ctlDeny)
		}
		if ok := <-ans; ok != allow {
			t.Fatalf("Confirm = %v, want %v", ok, allow)
		}
	}

	w.clickReal(t, ctlStop)
	if ev := nextEventW(t, w); ev.Kind != EventStopSharing {
		t.Fatalf("got %v, want stop-sharing", ev.Kind)
	}

	// The window manager's close button (WM_DELETE_WINDOW).
	drive(t, wineCmd{Cmd: "close", Text: "Tether remote support"})
	if ev := nextEventW(t, w); ev.Kind != EventClosed {
		t.Fatalf("got %v, want closed", ev.Kind)
	}
	<-w.loopDone
}

// TestWineScreens checks the language detection (Wine derives the
// Windows UI language from LANG) and takes the README's screenshots; the
// Linux side runs it in a Wine virtual desktop, which draws the Windows
// frame and title bar.
func TestWineScreens(t *testing.T) {
	needDriver(t)
	want := Lang(os.Getenv("TETHER_WANT_LANG"))
	if want == "" {
		t.Skip("TETHER_WANT_LANG not set")
	}
	if got := DetectLang(); got != want {
		t.Fatalf("DetectLang() = %s, want %s", got, want)
	}
	ww, err := Open(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ww.Close()
	w := ww.(*winWindow)
	var title string
	w.onUI(func() { title = getText(w.hwnd) })
	if title != T(want, KeyTitle) {
		t.Fatalf("title %q, want %q", title, T(want, KeyTitle))
	}
	code := make(chan string, 1)
	go func() { c, _ := w.AskSecurityCode(context.Background(), T(want, KeyCodeInvalid, 2)); code <- c }()
	eventuallyW(t, "code entry", func() bool { return w.ctlVisible(ctlCode) })
	w.typeInto(ctlCode, "7KQ4-M2XD")
	w.shot(t, "windows-code-"+string(want))
	w.clickCtl(ctlAllow)
	if c := <-code; c != "7KQ4-M2XD" {
		t.Fatalf("code %q", c)
	}

	w.SetState(State{Phase: PhaseSharing, Technician: goldenTechW})
	for _, c := range wineChat(want) {
		w.AddChat(c)
	}
	waitText(t, w, ctlState, T(want, keySharing, goldenTechW))
	w.shot(t, "windows-sharing-"+string(want))
	w.SetState(State{Phase: PhasePaused, Technician: goldenTechW})
	waitText(t, w, ctlState, T(want, keyPaused))
	waitText(t, w, ctlPause, T(want, keyResume))
}

func wineChat(l Lang) []ChatMessage {
	at := time.Date(2025, 3, 4, 14, 2, 0, 0, time.Local)
	if l == German {
		return []ChatMessage{
			{FromTechnician: true, Name: goldenTechW, At: at, Text: "Hallo! Ich sehe jetzt Ihren Bildschirm. Öffnen Sie bitte die Druckereinstellungen?"},
			{Name: "Sie", At: at.Add(time.Minute), Text: "Gern, einen Moment."},
			{FromTechnician: true, Name: goldenTechW, At: at.Add(2 * time.Minute), Text: "Danke – genau das ist es."},
		}
	}
	return []ChatMessage{
		{FromTechnician: true, Name: goldenTechW, At: at, Text: "Hello! I can see your screen now. Could you open the printer settings?"},
		{Name: "You", At: at.Add(time.Minute), Text: "Sure, one moment."},
		{FromTechnician: true, Name: goldenTechW, At: at.Add(2 * time.Minute), Text: "Thanks — that's the one."},
	}
}
