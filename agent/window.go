package agent

import (
	"context"
	"fmt"

	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/wire"
)

// The customer window (agent/ui), when the app has one — double-clicked on
// a desktop — shows the session's state, asks the security code and the
// consent questions inside it, and turns the customer's buttons into the
// same controls the terminal's commands reach (pause, resume, stop).

// setState shows st in the window, if there is one.
func (s *Support) setState(phase ui.Phase, detail string) {
	if s.o.Window != nil {
		s.o.Window.SetState(ui.State{Phase: phase, Technician: s.technicianName(), Detail: detail})
	}
}

func (s *Support) technicianName() string {
	s.techMu.Lock()
	defer s.techMu.Unlock()
	return s.technician
}

// question is the consent question key asked with the technician's name,
// in the window's language (English on the terminal and in dialogs).
func (s *Support) question(key ui.Key, args ...any) string {
	lang := ui.English
	if s.o.Window != nil {
		lang = s.lang
	}
	return ui.T(lang, key, args...)
}

// watchWindow connects the window to the app until ctx ends: the views'
// state goes to the window; the customer's buttons go to the views;
// closing the window (or "End session") quits the app — the session stays
// open (A7) — through quit.
func (s *Support) watchWindow(ctx context.Context, quit func()) {
	w := s.o.Window
	s.controls.mu.Lock()
	s.controls.onChange = func(views int, paused bool) {
		switch {
		case views > 0 && paused:
			s.setState(ui.PhasePaused, "")
		case views > 0:
			s.setState(ui.PhaseSharing, "")
		default:
			s.setState(ui.PhaseWaitingTechnician, "")
		}
	}
	s.controls.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events():
			if !ok {
				quit()
				return
			}
			switch ev.Kind {
			case ui.EventPause:
				s.controls.command("pause")
			case ui.EventResume:
				s.controls.command("resume")
			case ui.EventStopSharing:
				s.controls.command("stop")
			case ui.EventEndSession, ui.EventClosed:
				s.log.Info("the customer closed the support app", "event", ev.Kind)
				s.controls.command("stop")
				quit()
				return
			case ui.EventChat:
				s.log.Info("chat from the customer", "bytes", len(ev.Text))
				s.sendChat(ctx, ev.Text)
			}
		}
	}
}

// sendChat sends the customer's message to the site (D3), which stores it
// with the session for the technician's viewer.
func (s *Support) sendChat(ctx context.Context, text string) {
	s.techMu.Lock()
	c := s.cur
	s.techMu.Unlock()
	if c == nil {
		s.say("Not connected: your message was not sent.")
		return
	}
	if err := c.send(ctx, wire.Chat{Text: text}); err != nil {
		s.log.Warn("chat: send", "err", err)
	}
}

// showChat shows a technician's message: in the window, or on the
// terminal (the customer answers with a line starting with ">").
func (s *Support) showChat(m *wire.Chat) {
	if s.o.Window != nil {
		s.o.Window.AddChat(ui.ChatMessage{FromTechnician: true, Name: m.Name, Text: m.Text, At: m.At})
		return
	}
	name := m.Name
	if name == "" {
		name = "Technician"
	}
	s.say("%s: %s", name, m.Text)
	if s.lines != nil {
		s.say("(Type > and your answer to reply.)")
	}
}

// askControl is the consent question for a view (D2), naming the
// technician.
func (s *Support) askControl(control bool) string {
	name := s.technicianName()
	if name == "" {
		name = fmt.Sprintf("(%s)", s.cfg.SiteName)
	}
	if control {
		return s.question(ui.KeyAskControl, name)
	}
	return s.question(ui.KeyAskView, name)
}
