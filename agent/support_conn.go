package agent

import (
	"context"
	"fmt"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/wire"
)

// connectOnce runs one connection: handshake, activation when needed, then
// the site's commands until the link drops or the session ends.
func (s *Support) connectOnce(ctx context.Context) (err error) {
	c, w, err := connect(ctx, s.cfg, s.hello(s.rec), s.key)
	if err != nil {
		return err
	}
	defer c.close()
	if s.previous != "" { // the site found no conflict with it
		if err := s.saveSession(); err != nil {
			return err
		}
		s.previous = ""
	}
	// Beats start at once: the site expects them while the customer types
	// the security code too.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go c.keepAlive(cctx, w.Heartbeat, w.Beats)
	s.techMu.Lock()
	s.technician, s.cur = w.Technician, c
	s.techMu.Unlock()
	defer func() {
		s.techMu.Lock()
		s.cur = nil
		s.techMu.Unlock()
	}()
	// Back after a restart and taken back by the site (B1): the logon
	// entry goes; sharing resumes as the site says (B3).
	go s.rejoined(cctx, c)
	go s.sendUnsent(cctx, c)
	if w.NeedSecurityCode {
		s.setState(ui.PhaseWaitingCode, "")
		if err := s.activate(ctx, c); err != nil {
			return err
		}
		s.setState(ui.PhaseWaitingTechnician, "")
	} else {
		s.setState(ui.PhaseWaitingTechnician, "")
		s.say("Connected. Session active until %s.", w.ExpiresAt.Local().Format("2006-01-02 15:04"))
	}
	if s.lines != nil { // activation no longer needs the terminal
		s.cmdOnce.Do(func() { go s.readCommands(ctx) })
	}
	views := newViews(ctx)
	defer func() { views.end(err) }()
	return s.serve(cctx, c, views)
}

// activate asks for the security code until the site accepts it. A code
// given on the command line is tried once.
func (s *Support) activate(ctx context.Context, c *ctrl) error {
	note := ""
	for try := 0; ; try++ {
		code := s.o.SecurityCode
		if code == "" || try > 0 {
			if s.o.Silent || (s.o.SecurityCode != "" && try > 0) {
				return wire.Err(wire.SecurityCodeInvalid)
			}
			var err error
			if code, err = s.o.Prompter.SecurityCode(ctx, note); err != nil {
				return fmt.Errorf("security code: %w", err)
			}
		}
		if err := c.send(ctx, wire.Activate{SecurityCode: code}); err != nil {
			return err
		}
		m, err := activationAnswer(ctx, c)
		if err != nil {
			return err
		}
		switch m := m.(type) {
		case *wire.Activated:
			s.say("Session activated. Your technician can now connect. It ends at %s.", m.EndsAt.Local().Format("2006-01-02 15:04"))
			return nil
		case *wire.End:
			return wire.Err(m.Code)
		case *wire.Reconnect:
			// The site drains: whether it took the code or not, the next
			// site's welcome says whether it is still needed.
			c.conn.Close(websocket.StatusNormalClosure, "")
			return reconnectLater(m.After)
		case *wire.ErrorMsg:
			if m.Code != wire.SecurityCodeInvalid || m.AttemptsLeft <= 0 {
				return msgError(m.Code, m.Message)
			}
			note = fmt.Sprintf("%s %d attempts left.", m.Code.Message(), m.AttemptsLeft)
			if s.o.SecurityCode != "" {
				return wire.Err(wire.SecurityCodeInvalid)
			}
			// The prompter shows note with the next question: saying it
			// here too printed it twice.
		}
	}
}

// activationAnswer waits for the site's answer to an Activate. What else
// arrives meanwhile is kept for serve, in order: the site may send a
// command (a pin, a chat line) as soon as it has stored the activation,
// before its answer goes out; taken for the answer, such a message counted
// as a wrong code ("Invalid security code." for the right one, while the
// site activated the session).
func activationAnswer(ctx context.Context, c *ctrl) (wire.Msg, error) {
	var early []wire.Msg
	defer func() { c.early = append(c.early, early...) }()
	for {
		m, err := c.recv(ctx)
		if err != nil {
			return nil, err
		}
		switch m.(type) {
		case *wire.Activated, *wire.End, *wire.Reconnect, *wire.ErrorMsg:
			return m, nil
		}
		early = append(early, m)
	}
}

// serve handles site commands for an active session.
func (s *Support) serve(ctx context.Context, c *ctrl, views *views) error {
	for {
		m, err := c.recv(ctx)
		if err != nil {
			return err
		}
		switch m := m.(type) {
		case *wire.End:
			return wire.Err(m.Code)
		case *wire.Notice:
			s.say("%s", m.Text)
		case *wire.View:
			if s.o.OnView != nil {
				views.start(func(ctx context.Context) { s.o.OnView(ctx, m, s) })
			}
		case *wire.Open:
			views.start(func(ctx context.Context) { serveOpen(ctx, s, m) })
		case *wire.Chat:
			s.showChat(m)
		case *wire.Reconnect:
			c.conn.Close(websocket.StatusNormalClosure, "")
			return reconnectLater(m.After)
		case *wire.PinRequest:
			go s.answerPin(ctx, c, m)
		case *wire.Pinned:
			go s.installPinned(context.WithoutCancel(ctx), m)
		case *wire.Reboot:
			go s.reboot(ctx, c, m)
		}
	}
}
