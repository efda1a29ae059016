package site

import (
	"context"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/wire"
)

// An agent connection spends nearly all its life idle: a jump client sends
// a beat every 25 s and otherwise waits for a jump. Served the usual way, a
// goroutine sits in a WebSocket read for each connection, and its stack
// (8–16 KB: it ran the TLS handshake, the hello and SQLite) dominates what a
// site holding 10,000 jump clients spends. So an agent that sends beats
// (Hello.Beats, wire.Beat) is served like this instead:
//
//   - nothing waits for it while it is quiet: on Linux its socket is armed
//     (one-shot) in an epoll set that one goroutine of the site waits on;
//     elsewhere a goroutine with a minimal stack waits in the runtime's
//     poller (readable_*.go);
//   - when the socket turns readable, a fresh goroutine reads and handles
//     every message that can be read without waiting (rawLink.buffered:
//     the WebSocket's buffer and TLS records read ahead), answers beats,
//     arms the socket again and exits.
//
// The site does not ping these agents (a ping needs a reader for its pong):
// the agent's beats prove it alive, and a timer reset by every message
// closes the link when none comes within beatTimeout. The timer also
// finishes a link that was closed without the site noticing (a write that
// failed inside coder/websocket closes it, and a closed socket never turns
// readable in epoll).

// beatTimeout is how long the site waits for an agent's next message (its
// beats come every Options.Heartbeat) before it drops the link: the
// interval and up to 15 s of lateness.
func (s *Server) beatTimeout() time.Duration {
	return s.opts.Heartbeat + min(15*time.Second, s.opts.Heartbeat)
}

// beatMsg is the encoded beat; coder/websocket does not modify what a
// server writes, so every connection can send the same bytes.
var beatMsg, _ = wire.Encode(wire.Beat{})

// serveIdle serves ac from now on as described above and returns at once;
// ac.finish runs when the connection is over.
func (s *Server) serveIdle(ac *agentConn, handle func(wire.Msg) (done bool)) {
	ac.detached = true
	alive := time.AfterFunc(s.beatTimeout(), ac.closeNow)
	ac.atEnd(func() { alive.Stop() })
	ac.atEnd(func() { forgetReadable(ac.link) })
	var step func(readable bool)
	step = func(readable bool) {
		if s.readPending(ac, alive, handle, readable) {
			ac.finish()
			return
		}
		if err := onReadable(ac.link, func() { step(true) }); err != nil {
			s.log.Warn("agent connection: wait for the socket", "agent", ac.id, "err", err)
			ac.closeNow()
		}
	}
	go step(false)
}

// readPending reads and handles the messages that can be read without
// waiting (the buffer check cannot see the socket, hence readable); it
// reports whether the connection is over.
func (s *Server) readPending(ac *agentConn, alive *time.Timer, handle func(wire.Msg) bool, readable bool) bool {
	for ; readable || ac.pending(); readable = false {
		// Not bounded by a context of its own: coder/websocket keeps the
		// last read's context (and its timer) until the next read. A message
		// that stops half way is bounded by alive, which only a whole
		// message resets.
		_, b, err := ac.conn.Read(context.Background())
		if err != nil {
			return true
		}
		alive.Reset(s.beatTimeout())
		// The beat's answer is unbounded, like the read: alive closes a
		// stuck link.
		if s.dispatch(context.Background(), ac, b, handle) {
			return true
		}
	}
	return false
}

// dispatch handles one message from a connected agent: a beat is answered
// here, others go to handle. It reports whether the connection is over.
func (s *Server) dispatch(ctx context.Context, ac *agentConn, b []byte, handle func(wire.Msg) bool) bool {
	m, err := wire.Decode(b)
	if err != nil {
		s.log.Debug("agent message", "agent", ac.id, "err", err)
		return false
	}
	if _, ok := m.(*wire.Beat); ok {
		if ac.conn.Write(ctx, websocket.MessageText, beatMsg) != nil {
			return true
		}
		s.rec.BeatAnswered()
		return false
	}
	return handle(m)
}
