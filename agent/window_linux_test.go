package agent_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/xvfbtest"
)

// fakeWindow stands in for the customer window (agent/ui has its own tests
// on Xvfb and Wine): it records states and questions, answers the security
// code and consent, and lets the test click its buttons.
type fakeWindow struct {
	code   string
	events chan ui.Event

	mu        sync.Mutex
	states    []ui.State
	questions []string
}

func newFakeWindow(code string) *fakeWindow {
	return &fakeWindow{code: code, events: make(chan ui.Event, 8)}
}

func (w *fakeWindow) SetState(s ui.State) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.states = append(w.states, s)
}

func (w *fakeWindow) AskSecurityCode(context.Context, string) (string, error) { return w.code, nil }

func (w *fakeWindow) Confirm(_ context.Context, q ui.Question) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.questions = append(w.questions, q.Text)
	return true, nil
}

func (w *fakeWindow) AddChat(ui.ChatMessage)  {}
func (w *fakeWindow) Events() <-chan ui.Event { return w.events }
func (w *fakeWindow) Close() error            { return nil }

func (w *fakeWindow) last() ui.State {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.states) == 0 {
		return ui.State{Phase: -1}
	}
	return w.states[len(w.states)-1]
}

func (w *fakeWindow) waitPhase(t *testing.T, p ui.Phase) ui.State {
	t.Helper()
	sitetest.WaitFor(t, "window "+p.String(), func() bool { return w.last().Phase == p })
	return w.last()
}

// TestCustomerWindow: with a window the app asks the security code and
// the consent (naming the technician) inside it, shows whether the screen
// is shared, paused or not, turns the customer's buttons into the view's
// controls, and quits — leaving the session open (A7) — when the window
// is closed.
func TestCustomerWindow(t *testing.T) {
	x := xvfbtest.Start(t, 640, 480)
	t.Setenv("DISPLAY", x.Display)
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(nil)
	exe := download(t, s, ss.Code)
	w := newFakeWindow(ss.SecurityCode)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- agent.RunSupport(ctx, agent.SupportOptions{Executable: exe, StateDir: t.TempDir(), Window: w,
			Stdin: strings.NewReader("")})
	}()
	waitStatus(t, s, ss.ID, "activated", true)
	if st := w.waitPhase(t, ui.PhaseWaitingTechnician); st.Technician != "tech" {
		t.Fatalf("state %+v: the technician's name is missing", st)
	}

	conn, _, err := dialViewer(t.Context(), s, viewGrant(t, s, ss.ID), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	go func() {
		for {
			if _, _, err := conn.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	w.waitPhase(t, ui.PhaseSharing)
	w.mu.Lock()
	q := strings.Join(w.questions, "|")
	w.mu.Unlock()
	if q != "tech asks to see and control your screen. Allow?" {
		t.Fatalf("consent question %q: want it to name the technician", q)
	}
	w.events <- ui.Event{Kind: ui.EventPause}
	w.waitPhase(t, ui.PhasePaused)
	w.events <- ui.Event{Kind: ui.EventResume}
	w.waitPhase(t, ui.PhaseSharing)
	w.events <- ui.Event{Kind: ui.EventStopSharing}
	w.waitPhase(t, ui.PhaseWaitingTechnician)
	conn.Close(websocket.StatusNormalClosure, "")

	w.events <- ui.Event{Kind: ui.EventClosed}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("closing the window: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("closing the window did not quit the app")
	}
	waitStatus(t, s, ss.ID, "activated", false)
}
