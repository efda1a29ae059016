// Package wsutil holds WebSocket helpers shared by the agent and the site.
package wsutil

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// StartHeartbeat pings conn every interval and closes it when a pong does
// not come back within 15 s: a dead link is noticed even when TCP does not
// notice. The connection must have a reader running (pongs are processed by
// Read). It needs no goroutine of its own: a runtime timer fires every
// interval and the ping waits for its pong on a goroutine that lives only
// that long. The pings stop when ctx ends, when one is not answered (conn is
// then closed), or when stop is called; stop does not wait for a ping in
// flight.
func StartHeartbeat(ctx context.Context, conn *websocket.Conn, every time.Duration) (stop func()) {
	if every <= 0 {
		every = 25 * time.Second
	}
	h := &heartbeat{}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.t = time.AfterFunc(every, func() {
		if ctx.Err() != nil {
			return
		}
		start := time.Now()
		pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := conn.Ping(pctx)
		cancel()
		h.mu.Lock()
		stopped := h.stopped || ctx.Err() != nil
		if err == nil && !stopped {
			next := every - time.Since(start) // keep the cadence of a ticker
			if next <= 0 {
				next = every
			}
			h.t.Reset(next)
		}
		h.mu.Unlock()
		if err != nil && !stopped {
			conn.Close(websocket.StatusGoingAway, "heartbeat timeout")
		}
	})
	return h.stop
}

type heartbeat struct {
	mu      sync.Mutex
	t       *time.Timer
	stopped bool
}

func (h *heartbeat) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	h.t.Stop()
}
