package site

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// A pairing is one data stream between an agent and its consumer: a
// technician's view, shell or clipboard (the browser dials with its own
// one-time token and the site pipes WebSocket messages both ways without
// decoding them), or a file transfer or system information that the site
// itself consumes (api_files.go, api_toolkit.go). The agent is asked on its
// control channel (wire.View for views, which agents from before the
// toolkit understand; wire.Open for the other kinds) and dials
// /agent/v1/stream/{id} with its own one-time token.
type pairing struct {
	id, sessionID, kind     string
	viewerToken, agentToken string
	agent                   chan *websocket.Conn // the agent's side, once it dials
	done                    chan struct{}        // closed when the consumer is done
	joined, agentJoined     atomic.Bool          // each side came (tokens are one-time)
	created                 time.Time
	// wait is how long the consumer waits for the agent: longer when the
	// customer is asked first (D2 consent, file transfers).
	wait time.Duration
}

type relay struct {
	mu      sync.Mutex
	streams map[string]*pairing
	viewers map[string]int // live viewers per session
	// pipes counts viewer streams being served, from the upgrade on; a
	// drain waits for them.
	pipes atomic.Int64
}

func newRelay() *relay { return &relay{streams: map[string]*pairing{}, viewers: map[string]int{}} }

// pairTimeout is how long one side waits for the other when nobody is
// asked; askTimeout when the customer is.
const (
	pairTimeout = 30 * time.Second
	askTimeout  = 2 * time.Minute
)

func (r *relay) add(p *pairing) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, old := range r.streams { // drop pairings that were never joined
		if time.Since(old.created) > 2*max(old.wait, pairTimeout) {
			delete(r.streams, id)
		}
	}
	r.streams[p.id] = p
}

func (r *relay) get(id string) *pairing {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.streams[id]
}

func (r *relay) drop(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.streams, id)
}

// viewing counts viewers of a session; it returns the new count.
func (r *relay) viewing(sessionID string, delta int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.viewers[sessionID] += delta
	n := r.viewers[sessionID]
	if n <= 0 {
		delete(r.viewers, sessionID)
	}
	return n
}

// viewers reports whether the session has a live view.
func (r *relay) viewed(sessionID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.viewers[sessionID] > 0
}

// toolkitKinds need an agent that announced wire.FeatureToolkit.
var toolkitKinds = []string{wire.StreamFiles, wire.StreamShell, wire.StreamSysInfo, wire.StreamClipboard}

// openStream asks the session's agent to dial a stream of kind. The
// caller either hands viewerToken to a browser (handleViewerStream pairs
// it) or consumes the agent's side itself (awaitAgent).
func (s *Server) openStream(ctx context.Context, ss *store.Session, kind string, params any, control bool) (*pairing, error) {
	if s.draining.Load() {
		// The agent is leaving for another site; so should the viewer.
		return nil, errDraining
	}
	ac, offline := s.agentOf(ss)
	if ac == nil {
		return nil, offline
	}
	if slices.Contains(toolkitKinds, kind) && !slices.Contains(ac.features, wire.FeatureToolkit) {
		return nil, wire.Err(wire.AgentOutdated)
	}
	consent := s.consentFor(ss)
	p := &pairing{id: s.streamID(), sessionID: ss.ID, kind: kind, viewerToken: randomToken(24),
		agentToken: randomToken(24), agent: make(chan *websocket.Conn, 1), done: make(chan struct{}),
		created: time.Now(), wait: pairTimeout}
	if asks(consent, kind, control) {
		p.wait = max(askTimeout, consent.Timeout+pairTimeout)
	}
	s.relay.add(p)
	var m wire.Msg
	if kind == wire.StreamView {
		m = wire.View{Stream: p.id, Token: []byte(p.agentToken), Control: control, Consent: consent, Session: ss.ID}
	} else {
		raw, err := json.Marshal(params)
		if err != nil {
			s.relay.drop(p.id)
			return nil, err
		}
		m = wire.Open{Stream: p.id, Token: []byte(p.agentToken), Kind: kind, Session: ss.ID, Params: raw, Consent: consent}
	}
	if err := ac.send(ctx, m); err != nil {
		s.relay.drop(p.id)
		return nil, offline
	}
	return p, nil
}

// agentOf is the control channel that serves a session, and the error to
// give when there is none.
func (s *Server) agentOf(ss *store.Session) (*agentConn, error) {
	if ss.JumpClientID != "" { // the jump client's own control channel
		return s.hub.get(ss.JumpClientID), wire.Err(wire.JCNotConnected)
	}
	return s.hub.get(ss.ID), wire.Err(wire.CustomerOffline)
}

// awaitAgent is the site's own side of a stream: it waits for the agent to
// dial (or ctx) and returns its connection. release ends the pairing.
func (s *Server) awaitAgent(ctx context.Context, p *pairing) (*websocket.Conn, func(), error) {
	p.joined.Store(true)
	release := func() {
		s.relay.drop(p.id)
		close(p.done)
	}
	t := time.NewTimer(p.wait)
	defer t.Stop()
	select {
	case c := <-p.agent:
		return c, func() { c.CloseNow(); release() }, nil
	case <-t.C:
		release()
		return nil, nil, wire.Err(wire.AgentTimeout)
	case <-ctx.Done():
		release()
		return nil, nil, ctx.Err()
	}
}

func tokenOK(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// handleAgentStream is the agent's side of any stream.
func (s *Server) handleAgentStream(w http.ResponseWriter, r *http.Request) {
	if err := wsPrecheck(r); err != nil {
		s.writeErr(w, r, err)
		return
	}
	p := s.relay.get(r.PathValue("stream"))
	if p == nil || !tokenOK(r.URL.Query().Get("token"), p.agentToken) || !p.agentJoined.CompareAndSwap(false, true) {
		s.writeErr(w, r, wire.Errorf(wire.NotFound, "No such stream."))
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	p.agent <- conn // buffered, and agentJoined lets only one agent here
	// The consumer owns the stream; keep the handler (and so the
	// connection) alive until it is done.
	select {
	case <-p.done:
		return
	case <-time.After(p.wait):
	}
	if !p.joined.Load() { // the viewer never came
		s.relay.drop(p.id)
		conn.Close(websocket.StatusTryAgainLater, "the viewer did not join")
		return
	}
	select {
	case <-p.done:
	case <-r.Context().Done():
	}
}
