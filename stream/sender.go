package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/tetherhq/tether/capture"
)

// Source is the part of [capture.Capturer] the sender uses.
type Source interface {
	Displays() ([]capture.Display, error)
	Grab(d int) (*capture.Frame, error)
	Wait(ctx context.Context, timeout time.Duration) (changed bool, err error)
}

// Differ reports the regions that changed since the previous frame it saw,
// like capture.NewDiffer(tile).
type Differ interface {
	Diff(f *capture.Frame) []capture.Rect
	Reset()
}

// Input injects the technician's input on the customer's machine. It
// mirrors the input package so that stream does not depend on it.
// Coordinates are on the virtual desktop (the current display's offset is
// already added).
type Input interface {
	MouseMove(x, y int) error
	MouseButton(b Button, down bool) error
	Wheel(dx, dy int) error
	Key(code string, down bool) error
	Text(s string) error
	ReleaseAll() error
}

// SenderConfig configures [NewSender].
type SenderConfig struct {
	Source Source
	Differ Differ
	// Write sends one binary message to the viewer. Called from Run's
	// goroutine only; an error stops Run.
	Write func(ctx context.Context, msg []byte) error
	// Input receives the viewer's input while control is allowed; nil
	// makes the stream view-only.
	Input Input
	// Control is the initial permission to control (see SetControl).
	Control bool
	// Display is the ID of the display to stream first; -1 picks the
	// primary one.
	Display int
	// MaxInFlight is the number of unacknowledged frames allowed (default
	// 2): enough to hide one round trip, few enough that what the viewer
	// gets is never stale.
	MaxInFlight int
	// MaxFPS caps the frame rate (default 30).
	MaxFPS int
	Logger *slog.Logger
}

// Sender runs the agent side of one view stream. Run owns capture and
// writing; HandleMessage, SetControl and SetPaused may be called from other
// goroutines.
type Sender struct {
	cfg SenderConfig
	log *slog.Logger
	enc *Encoder
	buf []byte

	// Run goroutine only.
	displays  []capture.Display
	cur       capture.Display
	full      bool      // next frame must be full
	nextFrame time.Time // frame-rate cap
	lastFrame time.Time // last frame sent or grabbed with damage
	lastList  time.Time // last display-list check
	noDisplay bool
	detects   bool // the source's Wait ends on a change (sender_wait.go)

	waitMu     sync.Mutex
	cancelWait context.CancelFunc // ends the long wait in progress

	inputMu sync.Mutex // serialises calls into cfg.Input

	mu      sync.Mutex
	wake    chan struct{}
	flow    flowState
	state   State
	dirty   bool // state must be re-sent
	refresh bool
	sel     int // requested display ID, -1 none
	pref    Quality
	origin  capture.Display // current display, for input coordinates
	cursor  *Cursor
	lastErr time.Time // rate-limits input-failure logs
}

// NewSender checks cfg and returns a sender; call Run to start streaming.
func NewSender(cfg SenderConfig) (*Sender, error) {
	if cfg.Source == nil || cfg.Differ == nil || cfg.Write == nil {
		return nil, errors.New("stream: sender needs Source, Differ and Write")
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 2
	}
	if cfg.MaxFPS <= 0 || cfg.MaxFPS > MaxFPS {
		cfg.MaxFPS = 30
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Sender{cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1), sel: -1,
		detects: capture.DetectsChanges(cfg.Source)}
	s.state.ControlAllowed = cfg.Control && cfg.Input != nil
	s.flow.init(cfg.MaxFPS)
	return s, nil
}

func (s *Sender) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
	s.wakeWait()
}

// SetControl grants or revokes the technician's control. Revoking releases
// any key or button the viewer was holding, so nothing stays stuck.
func (s *Sender) SetControl(allowed bool) {
	s.mu.Lock()
	allowed = allowed && s.cfg.Input != nil
	changed := s.state.ControlAllowed != allowed
	s.state.ControlAllowed, s.dirty = allowed, s.dirty || changed
	s.mu.Unlock()
	if changed && !allowed {
		s.releaseAll()
	}
	s.notify()
}

// SetPaused pauses (no frames, no input) or resumes the session on the
// customer's request. Resuming sends a full frame.
func (s *Sender) SetPaused(paused bool) {
	s.mu.Lock()
	changed := s.state.Paused != paused
	s.state.Paused, s.dirty = paused, s.dirty || changed
	s.refresh = s.refresh || (changed && !paused)
	s.mu.Unlock()
	if changed && paused {
		s.releaseAll()
	}
	s.notify()
}

// SetCursor queues a pointer update for the viewer (latest wins).
func (s *Sender) SetCursor(c Cursor) {
	s.mu.Lock()
	s.cursor = &c
	s.mu.Unlock()
	s.notify()
}

func (s *Sender) releaseAll() {
	if s.cfg.Input == nil {
		return
	}
	s.inputMu.Lock()
	defer s.inputMu.Unlock()
	if err := s.cfg.Input.ReleaseAll(); err != nil {
		s.log.Warn("stream: releasing input failed", "err", err)
	}
}

// HandleMessage processes one message from the viewer. A malformed message
// returns an error wrapping [ErrMalformed]: the caller should close the
// stream. Input failures are logged, not returned, because one key the OS
// refused is no reason to drop the session.
func (s *Sender) HandleMessage(b []byte) error {
	m, err := DecodeViewerMessage(b)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m := m.(type) {
	case Ack:
		s.flow.ack(m, time.Now())
	case Refresh:
		s.refresh = true
	case SelectDisplay:
		s.sel = m.ID
	case Quality:
		s.pref = m
	default:
		if !s.state.ControlAllowed || s.state.Paused {
			return nil // dropped: the viewer was told through State
		}
		origin := s.origin
		s.mu.Unlock()
		err := s.inject(m, origin)
		s.mu.Lock()
		if err != nil && time.Since(s.lastErr) > 5*time.Second {
			s.lastErr = time.Now()
			s.log.Warn("stream: input injection failed", "err", err)
		}
		return nil
	}
	s.notify()
	return nil
}

func (s *Sender) inject(m any, d capture.Display) error {
	s.inputMu.Lock()
	defer s.inputMu.Unlock()
	in := s.cfg.Input
	switch m := m.(type) {
	case MouseMove:
		// Clamp so that a viewer with a stale size cannot move the pointer
		// onto another monitor.
		x := d.X + min(m.X, max(d.Width-1, 0))
		y := d.Y + min(m.Y, max(d.Height-1, 0))
		return in.MouseMove(x, y)
	case MouseButton:
		return in.MouseButton(m.Button, m.Down)
	case Wheel:
		return in.Wheel(m.DX, m.DY)
	case Key:
		return in.Key(m.Code, m.Down)
	case Text:
		return in.Text(m.S)
	}
	return nil
}

// Stats is a snapshot of the sender's flow control, for logs and tools.
type Stats struct {
	Frames, Bytes uint64
	InFlight      int
	RTT           time.Duration // smoothed, viewer decode time excluded
	Bandwidth     float64       // bytes/s, smoothed; 0 until measured
	Quality       int           // current JPEG quality
	Interval      time.Duration // current minimum time between frames
}

// Stats returns the current flow-control figures.
func (s *Sender) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flow.stats()
}

// events is what other goroutines asked for since the last loop turn.
type events struct {
	state         State
	sendState     bool
	refresh       bool
	sel           int
	pref          Quality
	cursor        *Cursor
	inFlight, max int
	interval      time.Duration
	quality       int
}

func (s *Sender) takeEvents() events {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev := events{state: s.state, sendState: s.dirty, refresh: s.refresh, sel: s.sel,
		pref: s.pref, cursor: s.cursor, inFlight: s.flow.inFlight(), max: s.cfg.MaxInFlight}
	s.dirty, s.refresh, s.sel, s.cursor = false, false, -1, nil
	ev.interval, ev.quality = s.flow.adapt(s.pref)
	return ev
}

func (s *Sender) write(ctx context.Context, msg []byte) error {
	if err := s.cfg.Write(ctx, msg); err != nil {
		return fmt.Errorf("stream: write: %w", err)
	}
	return nil
}

// sleep waits for d, an event from another goroutine, or ctx.
func (s *Sender) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.wake:
	case <-t.C:
	}
	return nil
}

func sameDisplays(a, b []capture.Display) bool { return slices.Equal(a, b) }
