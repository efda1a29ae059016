package site

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/site/metrics"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/stream"
	"github.com/tetherhq/tether/wire"
)

// A view is one technician's remote-control connection. The viewer and the
// agent each dial the site with their own one-time token; the site pairs
// them and pipes WebSocket messages both ways without decoding them.
type view struct {
	id, sessionID           string
	viewerToken, agentToken string
	agent                   chan *websocket.Conn // the agent's side, once it dials
	done                    chan struct{}        // closed when the pipe ends
	joined, agentJoined     atomic.Bool          // each side came (tokens are one-time)
	created                 time.Time
}

type relay struct {
	mu      sync.Mutex
	views   map[string]*view
	viewers map[string]int // live viewers per session
	// pipes counts viewer streams being served, from the upgrade on; a
	// drain waits for them.
	pipes atomic.Int64
}

func newRelay() *relay { return &relay{views: map[string]*view{}, viewers: map[string]int{}} }

const viewPairTimeout = 30 * time.Second

func (r *relay) add(v *view) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, old := range r.views { // drop views that were never joined
		if time.Since(old.created) > 2*viewPairTimeout {
			delete(r.views, id)
		}
	}
	r.views[v.id] = v
}

func (r *relay) get(id string) *view {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.views[id]
}

func (r *relay) drop(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.views, id)
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

type viewRequest struct {
	Password string `json:"password"`
	Control  *bool  `json:"control"`
}

// handleStartView checks the session's access password (A1) and asks the
// support app to open a stream.
func (s *Server) handleStartView(w http.ResponseWriter, r *http.Request, a *authed) {
	var req viewRequest
	if err := readJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if s.draining.Load() {
		// Its agent is leaving for another site; so should the viewer.
		s.writeErr(w, r, errDraining)
		return
	}
	ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
	if err == nil {
		err = s.checkViewable(r, ss, req.Password)
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	ac, offline := s.hub.get(ss.ID), wire.Err(wire.CustomerOffline)
	if ss.JumpClientID != "" { // the jump client's own control channel
		ac, offline = s.hub.get(ss.JumpClientID), wire.Err(wire.JCNotConnected)
	}
	if ac == nil {
		s.writeErr(w, r, offline)
		return
	}
	v := &view{id: newID(), sessionID: ss.ID, viewerToken: randomToken(24),
		agentToken: randomToken(24), agent: make(chan *websocket.Conn, 1), done: make(chan struct{}), created: time.Now()}
	s.relay.add(v)
	control := req.Control == nil || *req.Control
	if err := ac.send(r.Context(), wire.View{Stream: v.id, Token: []byte(v.agentToken), Control: control}); err != nil {
		s.relay.drop(v.id)
		s.writeErr(w, r, wire.Err(wire.CustomerOffline))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"stream": v.id, "token": v.viewerToken})
}

func (s *Server) checkViewable(r *http.Request, ss *store.Session, password string) error {
	if !ss.Status.Activated() {
		if !ss.Live() {
			return wire.Err(ss.Status.EndCode())
		}
		return wire.Errorf(wire.Conflict, "The customer has not activated the session yet.")
	}
	if !s.limits.viewPasswords.Allow(ss.ID) {
		s.rec.RateLimited("view_passwords")
		return wire.Errorf(wire.TooManyRequests, "Too many attempts. Try again later.")
	}
	if ss.JumpClientID != "" && ss.PasswordHash == "" {
		return nil // jump sessions: unattended access by site policy
	}
	var ok bool
	if err := s.hash(r.Context(), func() { ok, _ = CheckPassword(ss.PasswordHash, password) }); err != nil {
		return err
	}
	if !ok {
		s.audit(r.Context(), "view_password_failed", ss.ID, "", remoteAddr(r), "")
		return wire.Errorf(wire.Forbidden, "Wrong access password for this session.")
	}
	return nil
}

func tokenOK(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// handleAgentStream is the agent's side of a view.
func (s *Server) handleAgentStream(w http.ResponseWriter, r *http.Request) {
	if err := wsPrecheck(r); err != nil {
		s.writeErr(w, r, err)
		return
	}
	v := s.relay.get(r.PathValue("stream"))
	if v == nil || !tokenOK(r.URL.Query().Get("token"), v.agentToken) || !v.agentJoined.CompareAndSwap(false, true) {
		s.writeErr(w, r, wire.Errorf(wire.NotFound, "No such stream."))
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	v.agent <- conn // buffered, and agentJoined lets only one agent here
	// The viewer side owns the pipe; keep the handler (and so the
	// connection) alive until it is done.
	select {
	case <-v.done:
		return
	case <-time.After(viewPairTimeout):
	}
	if !v.joined.Load() { // the viewer never came
		s.relay.drop(v.id)
		conn.Close(websocket.StatusTryAgainLater, "the viewer did not join")
		return
	}
	select {
	case <-v.done:
	case <-r.Context().Done():
	}
}

// handleViewerStream is the technician's side: it waits for the agent and
// pipes both ways, marking the session connected meanwhile (A6: ending the
// view does not end the session). The agent dials only once the customer
// answered the consent prompt (D2): a close instead of a first message is a
// denial, audited as such, and the session never shows connected.
func (s *Server) handleViewerStream(w http.ResponseWriter, r *http.Request, a *authed) {
	// Checked before the one-time token is used, so a refused upgrade can
	// be retried.
	if err := wsPrecheck(r); err != nil {
		s.writeErr(w, r, err)
		return
	}
	v := s.relay.get(r.PathValue("stream"))
	ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
	if err == nil && (v == nil || v.sessionID != ss.ID || !tokenOK(r.URL.Query().Get("token"), v.viewerToken) ||
		!v.joined.CompareAndSwap(false, true)) {
		err = wire.Errorf(wire.NotFound, "No such stream.")
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	defer s.relay.drop(v.id)
	defer close(v.done)
	vc, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	defer vc.CloseNow()
	s.relay.pipes.Add(1)
	defer s.relay.pipes.Add(-1)
	ctx := r.Context()
	var ac *websocket.Conn
	select {
	case ac = <-v.agent:
	case <-time.After(viewPairTimeout):
		vc.Close(websocket.StatusTryAgainLater, "The customer's computer did not answer.")
		return
	case <-ctx.Done():
		return
	}
	defer ac.CloseNow()
	ac.SetReadLimit(agentStreamLimit)
	typ, first, err := ac.Read(ctx)
	if err != nil {
		code, reason := websocket.CloseStatus(err), "The customer's computer ended the view."
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			reason = ce.Reason
		}
		if code == websocket.StatusPolicyViolation {
			s.audit(ctx, "view_denied", ss.ID, "customer", "", reason)
		}
		if code < 0 { // no close frame: the link dropped
			code = websocket.StatusGoingAway
		}
		vc.Close(code, reason)
		return
	}
	if err := vc.Write(ctx, typ, first); err != nil {
		return
	}
	s.viewing(ctx, ss.ID, true, a.user.Name, remoteAddr(r))
	defer s.viewing(context.WithoutCancel(ctx), ss.ID, false, a.user.Name, remoteAddr(r))
	pipe(ctx, vc, ac, s.rec)
}

// agentStreamLimit bounds one agent→viewer message (VIEW-PROTOCOL).
const agentStreamLimit = 64 << 20

// pipe copies messages both ways until one side ends, then passes the close
// reason on (e.g. "The customer denied screen sharing.").
func pipe(ctx context.Context, viewer, agent *websocket.Conn, rec metrics.Recorder) {
	viewer.SetReadLimit(stream.MaxViewerMsg) // VIEW-PROTOCOL limit; larger closes the view
	agent.SetReadLimit(agentStreamLimit)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	cp := func(dst, src *websocket.Conn, dir metrics.Direction) {
		for {
			typ, b, err := src.Read(ctx)
			if err == nil {
				err = dst.Write(ctx, typ, b)
			}
			if err != nil {
				errc <- err
				return
			}
			rec.Relayed(dir, len(b))
		}
	}
	go cp(agent, viewer, metrics.ToAgent)
	go cp(viewer, agent, metrics.ToViewer)
	err := <-errc
	code, reason := websocket.StatusNormalClosure, "view ended"
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		code, reason = ce.Code, ce.Reason
	}
	viewer.Close(code, reason)
	agent.Close(code, reason)
}

// viewing counts a viewer in or out: the session is "connected" while at
// least one technician views it and "activated" again after the last one
// leaves (A6: ending a view does not end the session).
func (s *Server) viewing(ctx context.Context, id string, started bool, actor, addr string) {
	delta, first, from, to, event := 1, 1, wire.StatusActivated, wire.StatusConnected, "connected"
	if !started {
		delta, first, from, to, event = -1, 0, wire.StatusConnected, wire.StatusActivated, "disconnected"
	}
	if s.relay.viewing(id, delta) == first {
		s.store.UpdateSession(ctx, id, func(x *store.Session) error {
			if x.Status == from {
				x.Status = to
			}
			return nil
		})
	}
	s.audit(ctx, event, id, actor, addr, "remote control")
}
