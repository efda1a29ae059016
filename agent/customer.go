package agent

import (
	"context"
	"strings"
	"sync"
)

// viewControl is what the customer can do to a running view (D2): pause
// (no frames, no input) and resume, or stop sharing altogether.
type viewControl interface {
	SetPaused(bool)
}

// customerControls tracks the running views so the customer's commands
// reach all of them, and remembers a paused state for views that start
// later.
type customerControls struct {
	mu     sync.Mutex
	views  map[viewControl]context.CancelFunc
	paused bool
	// onChange, when set, hears how many views run and whether they are
	// paused after every change (the customer window's state).
	onChange func(views int, paused bool)
}

// viewing reports whether a view runs.
func (c *customerControls) viewing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.views) > 0
}

// controlling reports whether a view runs and is not paused: the
// clipboard follows remote control.
func (c *customerControls) controlling() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.views) > 0 && !c.paused
}

// changed reports the state to onChange; the caller holds mu.
func (c *customerControls) changed() {
	if c.onChange != nil {
		c.onChange(len(c.views), c.paused)
	}
}

func (c *customerControls) add(v viewControl, stop context.CancelFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.views == nil {
		c.views = map[viewControl]context.CancelFunc{}
	}
	c.views[v] = stop
	v.SetPaused(c.paused)
	c.changed()
}

func (c *customerControls) remove(v viewControl) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.views, v)
	c.changed()
}

// command applies one line the customer typed and returns what to print
// ("" for lines that are not commands).
func (c *customerControls) command(line string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.changed()
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "p", "pause":
		c.paused = true
		for v := range c.views {
			v.SetPaused(true)
		}
		return "Control paused: the technician sees nothing and cannot control this computer. Type r to resume."
	case "r", "resume":
		c.paused = false
		for v := range c.views {
			v.SetPaused(false)
		}
		return "Control resumed."
	case "s", "stop":
		n := len(c.views)
		for v, stop := range c.views {
			stop()
			delete(c.views, v)
		}
		if n == 0 {
			return "No one is viewing this computer."
		}
		return "Screen sharing stopped. The session stays open; your technician can ask again."
	case "?", "h", "help":
		return customerHelp
	}
	return ""
}

const customerHelp = "While the technician is connected: p = pause control, r = resume, s = stop sharing, > message = chat. Close this window to quit (the session stays open)."

// readCommands feeds lines from the terminal to the controls. Consent
// questions asked meanwhile take the next line as their answer.
func (s *Support) readCommands(ctx context.Context) {
	for ctx.Err() == nil {
		line, err := s.lines.line(ctx)
		if err != nil {
			return
		}
		s.answerMu.Lock()
		ans := s.answer
		s.answer = nil
		s.answerMu.Unlock()
		if ans != nil {
			ans <- line
			continue
		}
		if text, ok := strings.CutPrefix(line, ">"); ok && strings.TrimSpace(text) != "" {
			s.sendChat(ctx, strings.TrimSpace(text))
			continue
		}
		if out := s.controls.command(line); out != "" {
			s.say("%s", out)
		}
	}
}

// terminalConfirm asks a yes/no question answered by the command reader.
func (s *Support) terminalConfirm(ctx context.Context, q string) bool {
	ch := make(chan string, 1)
	s.answerMu.Lock()
	s.answer = ch
	s.answerMu.Unlock()
	s.say("%s [y/N]", q)
	select {
	case a := <-ch:
		a = strings.ToLower(strings.TrimSpace(a))
		return a == "y" || a == "yes"
	case <-ctx.Done():
		return false
	}
}
