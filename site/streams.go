package site

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/site/metrics"
	"github.com/tetherhq/tether/site/recording"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/stream"
	"github.com/tetherhq/tether/wire"
)

// Browser streams: the technician's view, shell and clipboard. The
// browser asks for a stream (POST …/view, …/shell, …/clipboard), gets a
// stream ID and a one-time token, and dials …/stream/{stream}; the site
// pairs it with the agent's side (relay.go) and pipes.

type viewRequest struct {
	Password string `json:"password"`
	Control  *bool  `json:"control"`
}

// handleStartView checks the session's access password (A1) and asks the
// agent to open a stream.
func (s *Server) handleStartView(w http.ResponseWriter, r *http.Request, a *authed) {
	var req viewRequest
	if err := readJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
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
	control := req.Control == nil || *req.Control
	p, err := s.openStream(r.Context(), ss, wire.StreamView, nil, control)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	consent := s.consentFor(ss)
	writeJSON(w, http.StatusCreated, map[string]any{"stream": p.id, "token": p.viewerToken,
		"consent": consent.Mode, "asks": asks(consent, wire.StreamView, control)})
}

type shellRequest struct {
	Cols uint16 `json:"cols"`
	Rows uint16 `json:"rows"`
}

// handleStartShell opens a command shell on a jump client (D4): the
// shell runs as the jump client's own user, never as root unless the
// site allows root shells.
func (s *Server) handleStartShell(w http.ResponseWriter, r *http.Request, a *authed) {
	var req shellRequest
	if err := readJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
	if err == nil {
		err = s.checkToolkit(ss)
	}
	if err == nil && ss.JumpClientID == "" {
		err = wire.Errorf(wire.ShellNotAllowed, "shells are for jump clients")
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	p, err := s.openStream(r.Context(), ss, wire.StreamShell,
		wire.ShellParams{Cols: req.Cols, Rows: req.Rows, AllowRoot: s.opts.AllowRootShell}, true)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"stream": p.id, "token": p.viewerToken})
}

// handleStartClipboard opens the clipboard stream of a viewer: only while
// the session is being viewed (the clipboard follows remote control).
func (s *Server) handleStartClipboard(w http.ResponseWriter, r *http.Request, a *authed) {
	ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
	if err == nil {
		err = s.checkToolkit(ss)
	}
	if err == nil && !s.relay.viewed(ss.ID) {
		err = wire.Errorf(wire.Conflict, "Connect to the screen first: the clipboard follows remote control.")
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	p, err := s.openStream(r.Context(), ss, wire.StreamClipboard, struct{}{}, true)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"stream": p.id, "token": p.viewerToken})
}

func (s *Server) checkViewable(r *http.Request, ss *store.Session, password string) error {
	if err := s.checkToolkit(ss); err != nil {
		return err
	}
	if !s.limits.viewPasswords.Allow(ss.ID) {
		s.rec.RateLimited("view_passwords")
		return wire.Errorf(wire.TooManyRequests, "Too many attempts. Try again later.")
	}
	if ss.JumpClientID != "" && ss.PasswordHash == "" {
		return nil // jump sessions: access by site policy (D2)
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

// checkToolkit: views and the toolkit need an activated, live session.
func (s *Server) checkToolkit(ss *store.Session) error {
	if !ss.Status.Activated() {
		if !ss.Live() {
			return wire.Err(ss.Status.EndCode())
		}
		return wire.Errorf(wire.Conflict, "The customer has not activated the session yet.")
	}
	return nil
}

// streamLimits bound one message of a browser stream, viewer → agent and
// agent → viewer (VIEW-PROTOCOL for views, docs/TOOLKIT.md for the others).
func streamLimits(kind string) (fromViewer, fromAgent int64) {
	switch kind {
	case wire.StreamShell:
		return 64 << 10, 1 << 20
	case wire.StreamClipboard:
		return wire.MaxClipboard + 1024, wire.MaxClipboard + 1024
	}
	return stream.MaxViewerMsg, agentStreamLimit
}

// handleViewerStream is the technician's side: it waits for the agent and
// pipes both ways. For a view it marks the session connected meanwhile
// (A6: ending the view does not end the session). The agent dials only
// once the customer answered the consent prompt (D2): a close instead of a
// first message is a denial, audited as such, and the session never shows
// connected.
func (s *Server) handleViewerStream(w http.ResponseWriter, r *http.Request, a *authed) {
	// Checked before the one-time token is used, so a refused upgrade can
	// be retried.
	if err := wsPrecheck(r); err != nil {
		s.writeErr(w, r, err)
		return
	}
	p := s.relay.get(r.PathValue("stream"))
	ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
	if err == nil && (p == nil || p.sessionID != ss.ID || p.kind == wire.StreamFiles || p.kind == wire.StreamSysInfo ||
		!tokenOK(r.URL.Query().Get("token"), p.viewerToken) || !p.joined.CompareAndSwap(false, true)) {
		err = wire.Errorf(wire.NotFound, "No such stream.")
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	defer s.relay.drop(p.id)
	defer close(p.done)
	vc, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	defer vc.CloseNow()
	s.relay.pipes.Add(1) // a drain waits for these
	defer s.relay.pipes.Add(-1)
	ctx := r.Context()
	var ac *websocket.Conn
	select {
	case ac = <-p.agent:
	case <-time.After(p.wait):
		vc.Close(websocket.StatusTryAgainLater, "The customer's computer did not answer.")
		return
	case <-ctx.Done():
		return
	}
	defer ac.CloseNow()
	fromViewer, fromAgent := streamLimits(p.kind)
	ac.SetReadLimit(fromAgent)
	typ, first, err := ac.Read(ctx)
	if err != nil {
		code, reason := websocket.CloseStatus(err), "The customer's computer ended the stream."
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			reason = ce.Reason
		}
		if code == websocket.StatusPolicyViolation {
			s.audit(ctx, p.kind+"_denied", ss.ID, "customer", "", reason)
		}
		if code < 0 { // no close frame: the link dropped
			code = websocket.StatusGoingAway
		}
		vc.Close(code, reason)
		return
	}
	// The view counts before its first message reaches the viewer: the
	// console asks for the clipboard as soon as it sees the screen, and
	// the clipboard is only for a viewed session.
	switch p.kind {
	case wire.StreamView:
		s.viewing(ctx, ss.ID, true, a.user.Name, remoteAddr(r))
		defer s.viewing(context.WithoutCancel(ctx), ss.ID, false, a.user.Name, remoteAddr(r))
	case wire.StreamShell:
		s.audit(ctx, "shell_opened", ss.ID, a.user.Name, remoteAddr(r), "")
		defer s.audit(context.WithoutCancel(ctx), "shell_closed", ss.ID, a.user.Name, remoteAddr(r), "")
	}
	if err := vc.Write(ctx, typ, first); err != nil {
		return
	}
	afterFirstMessage()
	rec, stopRecording := s.recordStream(ctx, ss, p, a.user.Name, remoteAddr(r), ac) // record.go
	rec.FromAgent(typ == websocket.MessageText, first)
	defer s.userStreams.add(a.user.ID, func() { // userwatch.go
		vc.Close(websocket.StatusPolicyViolation, errUserDisabled.Error())
		ac.Close(websocket.StatusPolicyViolation, errUserDisabled.Error())
	})()
	stopRecording(pipe(ctx, vc, ac, fromViewer, fromAgent, s.rec, rec))
}

// afterFirstMessage runs once a stream's first message reached the viewer;
// tests slow it down to widen the window a race would need.
var afterFirstMessage = func() {}

// agentStreamLimit bounds one agent→viewer message (VIEW-PROTOCOL).
const agentStreamLimit = 64 << 20

// pipe copies messages both ways until one side ends, then passes the close
// reason on (e.g. "The customer denied screen sharing.") and returns it.
// tap (nil: not recorded) gets each message once it was passed on.
func pipe(ctx context.Context, viewer, agent *websocket.Conn, fromViewer, fromAgent int64, rec metrics.Recorder, tap *recording.Stream) string {
	viewer.SetReadLimit(fromViewer) // a larger message closes the stream
	agent.SetReadLimit(fromAgent)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	cp := func(dst, src *websocket.Conn, dir metrics.Direction, seen func(bool, []byte)) {
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
			// b is a fresh slice from Read that nobody changes (a
			// server's writes are not masked), so the recorder keeps it
			// without a copy.
			seen(typ == websocket.MessageText, b)
		}
	}
	// A nil tap's methods do nothing.
	go cp(agent, viewer, metrics.ToAgent, tap.FromViewer)
	go cp(viewer, agent, metrics.ToViewer, tap.FromAgent)
	err := <-errc
	code, reason := websocket.StatusNormalClosure, "stream ended"
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		code, reason = ce.Code, ce.Reason
	}
	viewer.Close(code, reason)
	agent.Close(code, reason)
	return reason
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
