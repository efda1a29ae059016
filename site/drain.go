package site

import (
	"context"
	"sync"
	"time"

	"github.com/tetherhq/tether/wire"
)

// A drain takes the site out of service without cutting anyone off who
// can be moved (SIGTERM; docs/OPERATIONS.md):
//
//  1. /readyz answers 503, so the load balancer sends new traffic to the
//     other sites; new agent connections and new views are refused with
//     503 site_draining (an agent's backoff retries, reaching another
//     site). The HTTP listener stays open, so the API, the console and
//     /readyz keep answering while the balancer notices.
//  2. Every connected agent gets wire.Reconnect{After: ReconnectWithin}:
//     it leaves and comes back after a random part of that window — at
//     another site, or at this one restarted — while the views it serves
//     go on over their own streams.
//  3. The site waits until no view is relayed any more, at most
//     DrainTimeout, and then stops as on a cancelled context.
//
// The agents' presence moves with them: the next site's hub learns of each
// agent when it connects there, and the store is shared, so nothing needs
// handing over.

var errDraining = wire.Err(wire.SiteDraining)

// drainPoll is how often a drain checks whether the views have ended.
const drainPoll = 50 * time.Millisecond

// agentLeaveGrace bounds the wait for agents to close their connections
// themselves after Reconnect (agents from before Reconnect ignore it and
// are disconnected when the site stops).
const agentLeaveGrace = 3 * time.Second

// Drain drains the site as described above and returns once ServeListener
// has been told to stop. It is safe to call more than once; later calls
// return at once.
func (s *Server) Drain() {
	if !s.draining.CompareAndSwap(false, true) {
		return
	}
	start := time.Now()
	deadline := start.Add(s.opts.DrainTimeout)
	s.rec.Draining()
	n := s.hub.reconnectAll(wire.Reconnect{After: s.opts.ReconnectWithin})
	s.log.Info("draining: not ready; agents told to reconnect elsewhere", "agents", n,
		"views", s.relay.pipes.Load(), "timeout", s.opts.DrainTimeout, "reconnect_within", s.opts.ReconnectWithin)
	leave := start.Add(agentLeaveGrace) // within deadline: the loop checks both
	for time.Now().Before(deadline) && (s.relay.pipes.Load() > 0 || (s.hub.count() > 0 && time.Now().Before(leave))) {
		time.Sleep(drainPoll)
	}
	if v := s.relay.pipes.Load(); v > 0 {
		s.log.Warn("drain timeout: closing the views still running", "views", v)
	}
	s.log.Info("drained", "took", time.Since(start).Round(time.Millisecond), "agents_still_connected", s.hub.count())
	s.stopMu.Lock()
	stop := s.stopServe
	s.stopMu.Unlock()
	if stop != nil {
		stop()
	}
}

// Draining reports whether Drain began.
func (s *Server) Draining() bool { return s.draining.Load() }

// reconnectWorkers bounds the concurrent writes of a drain's Reconnect
// messages (each bounded by agentConn.send's timeout).
const reconnectWorkers = 16

// reconnectAll sends m to every connected agent, bound or not, and returns
// how many there were.
func (h *hub) reconnectAll(m wire.Reconnect) int {
	conns := h.all()
	work := make(chan *agentConn)
	var wg sync.WaitGroup
	for range min(reconnectWorkers, len(conns)) {
		wg.Go(func() {
			for a := range work {
				a.send(context.Background(), m)
			}
		})
	}
	for _, a := range conns {
		work <- a
	}
	close(work)
	wg.Wait()
	return len(conns)
}

// count is the number of connected agents.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.conns)
	for _, list := range h.unbound {
		n += len(list)
	}
	return n
}
