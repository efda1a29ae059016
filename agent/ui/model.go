package ui

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// The model is the part of the window every backend shares: state,
// chat history, the queue of questions and the customer's events. A
// backend draws snapshots of it and reports the customer's actions back;
// keeping the rules here makes X11 and Win32 behave the same.

type promptKind int

const (
	promptCode    promptKind = iota + 1 // security code entry + OK
	promptConfirm                       // a Question: Allow / Deny
	promptEnd                           // "End session?": the window's own question
)

// prompt is one question waiting for the customer.
type prompt struct {
	id          uint64
	kind        promptKind
	text        string // the question, or the note above the code entry
	allow, deny string
	deadline    time.Time // zero: no timeout
	def         bool
	timeout     time.Duration // answers def by itself after this long
	timer       *time.Timer
	answer      chan answer // capacity 1
}

type answer struct {
	ok   bool
	text string
}

// promptView is what a backend shows of the front prompt.
type promptView struct {
	id          uint64
	kind        promptKind
	text        string
	allow, deny string
	deadline    time.Time
	def         bool
}

// snapshot is everything a backend draws, taken under the model's lock.
type snapshot struct {
	lang    Lang
	title   string
	state   State
	stopped bool          // the customer stopped sharing (until the next SetState)
	chat    []ChatMessage // append-only: safe to read without the lock
	prompt  *promptView   // nil: no question
}

// model implements the backend-independent half of Window.
type model struct {
	lang   Lang
	title  string
	log    *slog.Logger
	events *eventQueue
	// changed tells the backend to redraw; it must not block or call back
	// into the model.
	changed func()

	mu      sync.Mutex
	state   State
	stopped bool
	chat    []ChatMessage
	prompts []*prompt
	nextID  uint64

	done     chan struct{} // closed when the window is gone
	doneOnce sync.Once
}

func newModel(o Options) *model {
	return &model{
		lang:    o.Lang,
		title:   o.Title,
		log:     o.Logger,
		events:  newEventQueue(),
		changed: func() {},
		done:    make(chan struct{}),
	}
}

func (m *model) snapshot() snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := snapshot{lang: m.lang, title: m.title, state: m.state, stopped: m.stopped,
		chat: m.chat[:len(m.chat):len(m.chat)]}
	if len(m.prompts) > 0 {
		p := m.prompts[0]
		s.prompt = &promptView{id: p.id, kind: p.kind, text: p.text, allow: p.allow, deny: p.deny, deadline: p.deadline, def: p.def}
	}
	return s
}

// SetState implements Window.
func (m *model) SetState(s State) {
	m.mu.Lock()
	m.state, m.stopped = s, false
	m.mu.Unlock()
	m.changed()
}

// AddChat implements Window.
func (m *model) AddChat(c ChatMessage) {
	if c.At.IsZero() {
		c.At = time.Now()
	}
	m.mu.Lock()
	m.chat = append(m.chat, c)
	m.mu.Unlock()
	m.changed()
}

// Events implements Window.
func (m *model) Events() <-chan Event { return m.events.out }

// AskSecurityCode implements Window.
func (m *model) AskSecurityCode(ctx context.Context, note string) (string, error) {
	a, err := m.ask(ctx, &prompt{kind: promptCode, text: note}, false)
	return a.text, err
}

// Confirm implements Window.
func (m *model) Confirm(ctx context.Context, q Question) (bool, error) {
	p := &prompt{kind: promptConfirm, text: q.Text, allow: q.Allow, deny: q.Deny, def: q.Default}
	if p.allow == "" {
		p.allow = T(m.lang, keyAllow)
	}
	if p.deny == "" {
		p.deny = T(m.lang, keyDeny)
	}
	p.timeout = q.Timeout
	a, err := m.ask(ctx, p, false)
	return a.ok, err
}

// ask queues p (at the front when urgent) and waits for its answer.
func (m *model) ask(ctx context.Context, p *prompt, urgent bool) (answer, error) {
	select {
	case <-m.done:
		return answer{}, ErrClosed
	default:
	}
	p.answer = make(chan answer, 1)
	m.enqueue(p, urgent)
	select {
	case a := <-p.answer:
		return a, nil
	case <-ctx.Done():
		m.drop(p.id)
		return answer{}, fmt.Errorf("ui: question: %w", ctx.Err())
	case <-m.done:
		return answer{}, ErrClosed
	}
}

func (m *model) enqueue(p *prompt, urgent bool) {
	m.mu.Lock()
	m.nextID++
	p.id = m.nextID
	if p.timeout > 0 {
		id, def := p.id, p.def
		p.deadline = time.Now().Add(p.timeout)
		p.timer = time.AfterFunc(p.timeout, func() { m.resolve(id, answer{ok: def}) })
	}
	if urgent {
		m.prompts = slices.Insert(m.prompts, 0, p)
	} else {
		m.prompts = append(m.prompts, p)
	}
	m.mu.Unlock()
	m.changed()
}

// take removes the prompt id from the queue, or returns nil when it was
// answered, cancelled or timed out meanwhile.
func (m *model) take(id uint64) *prompt {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.prompts, func(p *prompt) bool { return p.id == id })
	if i < 0 {
		return nil
	}
	p := m.prompts[i]
	m.prompts = slices.Delete(m.prompts, i, i+1)
	if p.timer != nil {
		p.timer.Stop()
	}
	return p
}

func (m *model) drop(id uint64) {
	if m.take(id) != nil {
		m.changed()
	}
}

// resolve answers prompt id; backends call it with the id they showed, so
// a click meant for one question never answers the next.
func (m *model) resolve(id uint64, a answer) {
	p := m.take(id)
	if p == nil {
		return
	}
	if p.kind == promptEnd {
		if a.ok {
			m.events.push(Event{Kind: EventEndSession})
		}
	} else {
		p.answer <- a
	}
	m.changed()
}

// submitCode answers a code prompt; an empty code is no answer.
func (m *model) submitCode(id uint64, code string) bool {
	code = strings.TrimSpace(code)
	if code == "" {
		return false
	}
	m.resolve(id, answer{ok: true, text: code})
	return true
}

// The customer's actions. Pause, resume and stop change the state line at
// once rather than waiting for the agent's SetState: the customer must see
// that the click worked even if the agent is slow to confirm.

func (m *model) pause() {
	if m.setPhase(PhaseSharing, PhasePaused) {
		m.events.push(Event{Kind: EventPause})
	}
}

func (m *model) resume() {
	if m.setPhase(PhasePaused, PhaseSharing) {
		m.events.push(Event{Kind: EventResume})
	}
}

func (m *model) stopSharing() {
	m.mu.Lock()
	ok := m.state.Phase == PhaseSharing || m.state.Phase == PhasePaused
	if ok {
		m.state.Phase, m.stopped = PhaseWaitingTechnician, true
	}
	m.mu.Unlock()
	if ok {
		m.events.push(Event{Kind: EventStopSharing})
		m.changed()
	}
}

func (m *model) setPhase(from, to Phase) bool {
	m.mu.Lock()
	ok := m.state.Phase == from
	if ok {
		m.state.Phase = to
	}
	m.mu.Unlock()
	if ok {
		m.changed()
	}
	return ok
}

// askEnd shows the window's own "End session?" question in front of any
// other (once).
func (m *model) askEnd() {
	m.mu.Lock()
	asked := slices.ContainsFunc(m.prompts, func(p *prompt) bool { return p.kind == promptEnd })
	ended := m.state.Phase == PhaseEnded
	m.mu.Unlock()
	if asked || ended {
		return
	}
	p := &prompt{kind: promptEnd, text: T(m.lang, keyEndConfirm), allow: T(m.lang, keyEndSession), deny: T(m.lang, keyCancel)}
	m.enqueue(p, true) // resolve turns its answer into EventEndSession
}

// sendChat shows the customer's message in the history at once and hands
// it to the agent; the agent must not add it again.
func (m *model) sendChat(text string) bool {
	text = strings.TrimSpace(text)
	if text == "" {
		return false
	}
	m.AddChat(ChatMessage{Name: T(m.lang, keyYou), Text: text})
	m.events.push(Event{Kind: EventChat, Text: text})
	return true
}

// closedByCustomer: the window is gone; EventClosed is the last event.
func (m *model) closedByCustomer() {
	m.shutdown(true)
}

// shutdown ends the model once: questions return ErrClosed and the event
// channel closes (after EventClosed when the customer closed the window).
func (m *model) shutdown(byCustomer bool) {
	m.doneOnce.Do(func() {
		close(m.done)
		m.mu.Lock()
		for _, p := range m.prompts {
			if p.timer != nil {
				p.timer.Stop()
			}
		}
		m.prompts = nil
		m.mu.Unlock()
		if byCustomer {
			m.events.finish(Event{Kind: EventClosed})
		} else {
			m.events.stop()
		}
	})
}

// isDone reports whether the window is gone.
func (m *model) isDone() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

// stateText returns the state line and the line below it.
func (s *snapshot) stateText() (line, detail string) {
	l := s.lang
	tech := s.state.Technician
	if tech == "" {
		tech = T(l, keyYourTechnician)
	}
	switch s.state.Phase {
	case PhaseWaitingCode:
		line, detail = T(l, keyWaitingCode), T(l, keyWaitingCodeDetail)
	case PhaseWaitingTechnician:
		line, detail = T(l, keyWaitingTech), T(l, keyWaitingTechDetail)
		if s.stopped {
			detail = T(l, keyStopped)
		}
	case PhaseSharing:
		line, detail = T(l, keySharing, tech), T(l, keySharingDetail)
	case PhasePaused:
		line, detail = T(l, keyPaused), T(l, keyPausedDetail, tech)
	case PhaseEnded:
		line, detail = T(l, keyEnded), T(l, keyEndedDetail)
	case PhaseReconnecting:
		line, detail = T(l, keyReconnecting), T(l, keyReconnectDetail)
	}
	if s.state.Detail != "" {
		detail = s.state.Detail
	}
	return line, detail
}

// technicianLine names the technician under the state line when the state
// line itself does not.
func (s *snapshot) technicianLine() string {
	switch s.state.Phase {
	case PhaseSharing, PhasePaused:
		return ""
	}
	if s.state.Technician == "" {
		return ""
	}
	return T(s.lang, keyTechnicianLabel, s.state.Technician)
}

// controls says which of the customer's buttons work in this state.
func (s *snapshot) controls() (pause, stop, end, chat bool) {
	switch s.state.Phase {
	case PhaseSharing, PhasePaused:
		pause, stop = true, true
	}
	end = s.state.Phase != PhaseEnded
	chat = s.state.Phase != PhaseEnded && s.state.Phase != PhaseWaitingCode
	return
}

// pauseLabel is the toggle's text.
func (s *snapshot) pauseLabel() string {
	if s.state.Phase == PhasePaused {
		return T(s.lang, keyResume)
	}
	return T(s.lang, keyPause)
}

// chatName is who a message is from, as shown above it.
func (s *snapshot) chatName(c ChatMessage) string {
	switch {
	case c.Name != "":
		return c.Name
	case c.FromTechnician:
		return T(s.lang, keyTechnician)
	default:
		return T(s.lang, keyYou)
	}
}

// buttonLabels are the texts of a prompt's buttons; for a question with a
// timeout the default answer counts down.
func (p *promptView) buttonLabels(l Lang, now time.Time) (allow, deny string) {
	allow, deny = p.allow, p.deny
	if p.kind == promptCode {
		return T(l, keyOK), ""
	}
	if !p.deadline.IsZero() {
		left := max(0, int((p.deadline.Sub(now)+time.Second-1)/time.Second))
		if p.def {
			allow = T(l, keyCountdown, allow, left)
		} else {
			deny = T(l, keyCountdown, deny, left)
		}
	}
	return allow, deny
}
