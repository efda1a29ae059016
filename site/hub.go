package site

import (
	"context"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/wire"
)

// agentConn is one connected agent's control channel.
type agentConn struct {
	id   string // session (or jump client) ID
	conn *websocket.Conn
	jump bool     // a jump client's channel (else a support app's)
	link *rawLink // what lies under conn, when it can idle (idle.go)
	// detached is set when the connection is served by serveIdle: its
	// conversation's goroutine has returned and finish runs later.
	detached bool

	mu      sync.Mutex
	closing bool     // a Close (which reads the peer's close frame) began
	ends    []func() // run by finish, last first
	endOnce sync.Once
}

// atEnd registers f to run when the connection is over, like a defer that
// outlives the goroutine that registered it.
func (a *agentConn) atEnd(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ends = append(a.ends, f)
}

// finish runs what atEnd registered, once, last first.
func (a *agentConn) finish() {
	a.endOnce.Do(func() {
		a.mu.Lock()
		ends := a.ends
		a.ends = nil
		a.mu.Unlock()
		for i := len(ends) - 1; i >= 0; i-- {
			ends[i]()
		}
	})
}

// close closes with the WebSocket close handshake and finishes. Close reads
// the peer's answer itself, so the idle path's buffer check must not run
// alongside: closing tells it to leave the reading to Read from now on.
func (a *agentConn) close(code websocket.StatusCode, reason string) {
	a.mu.Lock()
	a.closing = true
	a.mu.Unlock()
	a.conn.Close(code, reason)
	a.finish()
}

// closeNow drops the connection and finishes. Finishing here, not only when
// a reader notices, matters for idle connections: on Linux nothing waits on
// their socket that a close would wake (idle.go).
func (a *agentConn) closeNow() {
	a.conn.CloseNow()
	a.finish()
}

// pending reports whether the idle path should read now (see idle.go).
func (a *agentConn) pending() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closing || a.link.buffered()
}

// send writes one control message; coder/websocket allows concurrent writes.
func (a *agentConn) send(ctx context.Context, m wire.Msg) error {
	b, err := wire.Encode(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return a.conn.Write(ctx, websocket.MessageText, b)
}

// hub tracks which agents are connected right now.
type hub struct {
	mu    sync.Mutex
	conns map[string]*agentConn
	jumps int // jump clients among conns (the active limit, C11)
}

func newHub() *hub { return &hub{conns: map[string]*agentConn{}} }

// add registers a connection, replacing (and closing) an older one for the
// same ID: a support app that rejoins after a network change wins.
func (h *hub) add(a *agentConn) {
	h.mu.Lock()
	old := h.conns[a.id]
	h.conns[a.id] = a
	if old == nil && a.jump {
		h.jumps++
	}
	h.mu.Unlock()
	if old != nil {
		old.close(websocket.StatusPolicyViolation, "replaced by a newer connection")
	}
}

// remove unregisters a unless it was already replaced.
func (h *hub) remove(a *agentConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conns[a.id] == a {
		delete(h.conns, a.id)
		if a.jump {
			h.jumps--
		}
	}
}

func (h *hub) get(id string) *agentConn {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns[id]
}

func (h *hub) online(id string) bool { return h.get(id) != nil }

// jumpClients returns how many jump clients are connected.
func (h *hub) jumpClients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.jumps
}

// end tells a connected agent that its session ended and disconnects it.
func (h *hub) end(id string, code wire.Code) {
	a := h.get(id)
	if a == nil {
		return
	}
	a.send(context.Background(), wire.End{Code: code})
	a.close(websocket.StatusNormalClosure, string(code))
}

func (h *hub) closeAll() {
	h.mu.Lock()
	conns := make([]*agentConn, 0, len(h.conns))
	for _, a := range h.conns {
		conns = append(conns, a)
	}
	h.mu.Unlock()
	for _, a := range conns {
		a.close(websocket.StatusGoingAway, "site shutting down")
	}
}
