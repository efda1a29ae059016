package site

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/site/cluster"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// Passive jump clients (C9) do not keep a connection: they check in every
// Options.JCCheckIn (a full, proven handshake that also refreshes their
// statistics) and are told to stay connected when a jump is waiting.
type passiveClients struct {
	mu       sync.Mutex
	checkins map[string]time.Time     // last passive check-in per client
	wakes    map[string]chan struct{} // closed when the client became active
	// elsewhere holds the clients a jump on another node of a cluster
	// waits for, until when (wall clock: it is another process's time).
	elsewhere map[string]time.Time
}

func newPassiveClients() *passiveClients {
	return &passiveClients{checkins: map[string]time.Time{}, wakes: map[string]chan struct{}{},
		elsewhere: map[string]time.Time{}}
}

// wantedElsewhere records that a jump on another node waits for the
// client until until: it may check in here.
func (p *passiveClients) wantedElsewhere(id string, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, t := range p.elsewhere { // bounded by the jumps in progress
		if time.Now().After(t) {
			delete(p.elsewhere, k)
		}
	}
	p.elsewhere[id] = until
}

func (p *passiveClients) checkedIn(id string, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.checkins[id] = at
}

func (p *passiveClients) lastCheckIn(id string) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.checkins[id]
}

// wake registers that a jump waits for the client; the channel closes when
// it connects actively.
func (p *passiveClients) wake(id string) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	ch := p.wakes[id]
	if ch == nil {
		ch = make(chan struct{})
		p.wakes[id] = ch
	}
	return ch
}

func (p *passiveClients) wanted(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.wakes[id] != nil || time.Now().Before(p.elsewhere[id])
}

// woke tells waiting jumps that the client is connected now.
func (p *passiveClients) woke(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.checkins, id)
	delete(p.elsewhere, id)
	if ch := p.wakes[id]; ch != nil {
		close(ch)
		delete(p.wakes, id)
	}
}

// giveUp drops a wake request nobody waits for any more.
func (p *passiveClients) giveUp(id string, ch <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.wakes[id] != nil && (<-chan struct{})(p.wakes[id]) == ch {
		delete(p.wakes, id)
	}
}

// isPassive reports whether a client that is not connected checked in
// recently enough to be listed as passive rather than offline. A passive
// client's check-in also stores its last_seen, so a check-in at another
// node of a cluster counts too.
func (s *Server) isPassive(jc *store.JumpClient) bool {
	last := s.passive.lastCheckIn(jc.ID)
	if jc.Passive && jc.LastSeen.After(last) {
		last = jc.LastSeen
	}
	return !last.IsZero() && s.clock.Now().Sub(last) < 2*s.opts.JCCheckIn+30*time.Second
}

// activeLimitReached applies jc_limit_active to a client not yet connected.
func (s *Server) activeLimitReached(id string) bool {
	return s.opts.JCLimitActive > 0 && !s.presence.Online(id) && s.presence.JumpClients() >= s.opts.JCLimitActive
}

// checkIn answers a passive check-in: statistics are stored, and the client
// is told when to come back.
func (s *Server) checkIn(ctx context.Context, ac *agentConn, h *wire.Hello, jc *store.JumpClient) {
	s.storeHello(ctx, jc.ID, h)
	s.passive.checkedIn(jc.ID, s.clock.Now())
	ac.send(ctx, s.welcome(h, wire.Welcome{JumpClientID: jc.ID, CheckIn: s.opts.JCCheckIn}))
	ac.close(websocket.StatusNormalClosure, "check in again later")
}

// wakePassive waits for a passive client to check in and become active for
// a jump (jc_connect_timeout when it does not in time).
func (s *Server) wakePassive(ctx context.Context, id string) error {
	if s.activeLimitReached(id) {
		return wire.Err(wire.JCLimitActive)
	}
	ch := s.passive.wake(id)
	// It may check in at another node: tell them to keep it there.
	s.cluster.Broadcast(cluster.Event{Kind: cluster.EventWake, ID: id, Until: time.Now().Add(s.opts.JCConnectTimeout)})
	t := time.NewTimer(s.opts.JCConnectTimeout)
	defer t.Stop()
	select {
	case <-ch:
		return nil
	case <-t.C:
		s.passive.giveUp(id, ch)
		return wire.Err(wire.JCConnectTimeout)
	case <-ctx.Done():
		s.passive.giveUp(id, ch)
		return ctx.Err()
	}
}

// sleepIfPassive sends a passive-mode client back to checking in once the
// session it was woken for has ended.
func (s *Server) sleepIfPassive(ctx context.Context, jumpClientID string) {
	jc, err := s.store.JumpClient(ctx, jumpClientID)
	if err != nil || !jc.Passive {
		return
	}
	s.sendAgent(ctx, jumpClientID, wire.Sleep{CheckIn: s.opts.JCCheckIn}, false)
}
