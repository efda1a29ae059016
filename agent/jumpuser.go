package agent

import (
	"context"
	"sync"
	"time"

	"github.com/tetherhq/tether/agent/desktop"
	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/wire"
)

// A jump client has no customer in front of it, but often a logged-in
// user: the site's "prompt" consent policy asks that user (D2), and chat
// reaches them (D3) — both in the customer window, opened on the user's
// desktop the first time it is needed. Without a desktop nobody can be
// asked: a prompt takes the policy's default answer, and the site refuses
// chat (the client reports no display).

// jumpUser holds the window of the logged-in user, if one is open.
type jumpUser struct {
	mu  sync.Mutex
	win ui.Window
	// chatSession is the jump session the user's messages go to: the
	// last one whose technician wrote.
	chatSession string
	cur         *ctrl // the control channel of the current connection
}

// window returns the user's window, opening it on the desktop found now.
func (j *jumpClient) window(ctx context.Context) (ui.Window, error) {
	j.user.mu.Lock()
	defer j.user.mu.Unlock()
	if j.user.win != nil {
		return j.user.win, nil
	}
	sess, err := desktop.Find()
	if err != nil {
		return nil, err
	}
	w, err := ui.Open(ctx, ui.Options{Display: sess.Display, XAuthority: sess.XAuthority, Logger: j.log})
	if err != nil {
		return nil, err
	}
	w.SetState(ui.State{Phase: ui.PhaseWaitingTechnician, Detail: "Tether Jump Client"})
	j.user.win = w
	go j.watchUser(ctx, w)
	return w, nil
}

// watchUser sends the user's chat to the site until the window closes.
func (j *jumpClient) watchUser(ctx context.Context, w ui.Window) {
	defer func() {
		j.user.mu.Lock()
		if j.user.win == w {
			j.user.win = nil
		}
		j.user.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			w.Close()
			return
		case ev, ok := <-w.Events():
			if !ok {
				return
			}
			switch ev.Kind {
			case ui.EventChat:
				j.user.mu.Lock()
				sess, c := j.user.chatSession, j.user.cur
				j.user.mu.Unlock()
				if c == nil {
					continue
				}
				if err := c.send(ctx, wire.Chat{Session: sess, Text: ev.Text}); err != nil {
					j.log.Warn("chat: send", "err", err)
				}
			case ui.EventStopSharing, ui.EventEndSession:
				j.controls.command("stop")
			case ui.EventPause:
				j.controls.command("pause")
			case ui.EventResume:
				j.controls.command("resume")
			case ui.EventClosed:
				return
			}
		}
	}
}

// showChat shows a technician's message to the logged-in user.
func (j *jumpClient) showChat(ctx context.Context, m *wire.Chat) {
	w, err := j.window(ctx)
	if err != nil {
		j.log.Warn("chat: no window for the logged-in user", "err", err)
		return
	}
	j.user.mu.Lock()
	j.user.chatSession = m.Session
	j.user.mu.Unlock()
	w.AddChat(ui.ChatMessage{FromTechnician: true, Name: m.Name, Text: m.Text, At: m.At})
}

// allow applies the jump clients' consent policy (D2): unattended access
// needs no answer; "prompt" asks the logged-in user in the window and takes
// the default answer after the timeout, or at once when nobody can be
// asked.
func (j *jumpClient) allow(ctx context.Context, c *wire.Consent, q string) bool {
	if c == nil || c.Mode != wire.ConsentPrompt {
		return true
	}
	w, err := j.window(ctx)
	if err != nil {
		j.log.Info("consent: nobody to ask; the policy's default answer", "allow", c.Default, "err", err)
		return c.Default
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ok, err := w.Confirm(ctx, ui.Question{Text: q, Timeout: timeout, Default: c.Default})
	if err != nil {
		return c.Default
	}
	return ok
}

func (j *jumpClient) question(key ui.Key, args ...any) string {
	return ui.T(ui.DetectLang(), key, args...)
}

func (j *jumpClient) setCtrl(c *ctrl) {
	j.user.mu.Lock()
	defer j.user.mu.Unlock()
	j.user.cur = c
}
