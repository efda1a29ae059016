// Package wsutil holds WebSocket helpers shared by the agent and the site.
package wsutil

import (
	"context"
	"time"

	"github.com/coder/websocket"
)

// Heartbeat pings conn every interval until ctx ends and closes it when a
// pong does not come back within 15 s: a dead link is noticed even when
// TCP does not notice. The connection must have a reader running (pongs
// are processed by Read).
func Heartbeat(ctx context.Context, conn *websocket.Conn, every time.Duration) {
	if every <= 0 {
		every = 25 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := conn.Ping(pctx)
		cancel()
		if err != nil {
			conn.Close(websocket.StatusGoingAway, "heartbeat timeout")
			return
		}
	}
}
