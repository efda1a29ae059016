package site

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/wire"
)

// agentConn is one connected agent's control channel.
type agentConn struct {
	id   string // session (or jump client) ID
	conn *websocket.Conn
	jump bool // a jump client's channel (else a support app's)
	// identity is the agent's key; unbound marks a support app whose
	// session is not bound to a computer yet (A4: that happens with the
	// right security code), guarded by the hub's lock.
	identity []byte
	unbound  bool
	// helloNonce is the agent's nonce from its verified hello; refusals
	// are signed over it.
	helloNonce []byte
	// features are what the agent announced (wire.Feature*).
	features []string
	link     *rawLink // what lies under conn, when it can idle (idle.go)
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
	// unbound holds, by session, the support apps of sessions that no
	// computer has activated yet: several may wait for the security code
	// at once (a leaked link run elsewhere must not lock the customer out).
	unbound map[string][]*agentConn
	jumps   int // jump clients among conns (the active limit, C11)
	// changed, when set, is told the ID of every agent whose connections
	// changed, after the change (the cluster announces it; clusterlink.go).
	changed func(id string)
}

func newHub() *hub {
	return &hub{conns: map[string]*agentConn{}, unbound: map[string][]*agentConn{}}
}

// add registers a connection, replacing (and closing) an older one for the
// same ID: a support app that rejoins after a network change wins. An
// unbound support app only replaces an older one of the same computer.
func (h *hub) add(a *agentConn) {
	h.mu.Lock()
	if a.unbound {
		var old *agentConn
		list := h.unbound[a.id]
		for i, c := range list {
			if bytes.Equal(c.identity, a.identity) {
				old, list = c, slices.Delete(list, i, i+1)
				break
			}
		}
		h.unbound[a.id] = append(list, a)
		h.mu.Unlock()
		h.notify(a.id)
		if old != nil {
			old.close(websocket.StatusPolicyViolation, "replaced by a newer connection")
		}
		return
	}
	old := h.conns[a.id]
	h.conns[a.id] = a
	if old == nil && a.jump {
		h.jumps++
	}
	h.mu.Unlock()
	h.notify(a.id)
	if old != nil {
		old.close(websocket.StatusPolicyViolation, "replaced by a newer connection")
	}
}

func (h *hub) notify(id string) {
	if h.changed != nil {
		h.changed(id)
	}
}

// presenceOf says what this node holds of id: any connection, a bound
// one, a jump client's.
func (h *hub) presenceOf(id string) (present, bound, jump bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if a := h.conns[id]; a != nil {
		return true, true, a.jump
	}
	return len(h.unbound[id]) > 0, false, false
}

// remove unregisters a unless it was already replaced.
func (h *hub) remove(a *agentConn) {
	h.mu.Lock()
	if a.unbound {
		h.dropUnbound(a)
	} else if h.conns[a.id] == a {
		delete(h.conns, a.id)
		if a.jump {
			h.jumps--
		}
	}
	h.mu.Unlock()
	if a.id != "" {
		h.notify(a.id)
	}
}

func (h *hub) dropUnbound(a *agentConn) {
	list := slices.DeleteFunc(h.unbound[a.id], func(c *agentConn) bool { return c == a })
	if len(list) == 0 {
		delete(h.unbound, a.id)
	} else {
		h.unbound[a.id] = list
	}
}

// bind makes a, whose computer just activated the session, the session's
// connection, and tells every other computer waiting for the code that the
// session is not theirs (session_invalid).
func (h *hub) bind(a *agentConn) {
	h.mu.Lock()
	if !a.unbound {
		h.mu.Unlock()
		return
	}
	others := slices.DeleteFunc(h.unbound[a.id], func(c *agentConn) bool { return c == a })
	delete(h.unbound, a.id)
	a.unbound = false
	old := h.conns[a.id]
	h.conns[a.id] = a
	h.mu.Unlock()
	h.notify(a.id)
	if old != nil {
		old.close(websocket.StatusPolicyViolation, "replaced by a newer connection")
	}
	for _, c := range others {
		c.send(context.Background(), wire.End{Code: wire.SessionInvalid})
		c.close(websocket.StatusNormalClosure, string(wire.SessionInvalid))
	}
}

// get returns the connection of a jump client or of a support app whose
// computer activated its session.
func (h *hub) get(id string) *agentConn {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns[id]
}

// online reports whether an agent of id is connected, bound or not.
func (h *hub) online(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns[id] != nil || len(h.unbound[id]) > 0
}

// jumpClients returns how many jump clients are connected.
func (h *hub) jumpClients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.jumps
}

// end tells the agents of a session that it ended and disconnects them.
func (h *hub) end(id string, code wire.Code) {
	h.mu.Lock()
	all := slices.Clone(h.unbound[id])
	if a := h.conns[id]; a != nil {
		all = append(all, a)
	}
	h.mu.Unlock()
	for _, a := range all {
		a.send(context.Background(), wire.End{Code: code})
		a.close(websocket.StatusNormalClosure, string(code))
	}
}

// all is every connected agent, bound or not.
func (h *hub) all() []*agentConn {
	h.mu.Lock()
	conns := make([]*agentConn, 0, len(h.conns))
	for _, a := range h.conns {
		conns = append(conns, a)
	}
	for _, list := range h.unbound {
		conns = append(conns, list...)
	}
	h.mu.Unlock()
	return conns
}

func (h *hub) closeAll() {
	conns := h.all()
	for _, a := range conns {
		a.close(websocket.StatusGoingAway, "site shutting down")
	}
}
