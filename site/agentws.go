package site

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/internal/wsutil"
	"github.com/tetherhq/tether/site/metrics"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

const handshakeTimeout = 20 * time.Second

// handleAgentConnect is the agents' control channel: challenge → hello →
// welcome or error, then the agent's messages and the site's commands for as
// long as it stays connected. Support apps and jump clients share it; the
// signed config in the hello says which one is calling.
func (s *Server) handleAgentConnect(w http.ResponseWriter, r *http.Request) {
	addr := remoteAddr(r)
	if s.draining.Load() {
		// New agents go to another site (the load balancer stops sending
		// them here once /readyz says 503); the agent's backoff retries.
		s.writeErr(w, r, errDraining)
		return
	}
	if !s.limits.agents.Allow(addr) {
		s.rec.RateLimited("agents")
		s.writeErr(w, r, wire.Errorf(wire.TooManyRequests, "Too many connections. Try again later."))
		return
	}
	s.agentConns.Add(1) // before the hijack, while Shutdown still waits for us
	conn, link, err := acceptAgent(w, r)
	if err != nil {
		s.agentConns.Done()
		return
	}
	conn.SetReadLimit(wire.MaxControlMessage)
	ac := &agentConn{conn: conn, link: link}
	ac.atEnd(s.agentConns.Done)
	ac.atEnd(func() { conn.CloseNow() })
	// The conversation runs on its own goroutine and the handler returns,
	// so that net/http drops its per-connection state and buffers (and the
	// goroutine that ran the TLS handshake) while the agent stays connected.
	go func() {
		s.agentConversation(s.agentCtx, ac, addr)
		if !ac.detached {
			ac.finish()
		}
	}()
}

// agentConversation is the handshake and then the connected agent's
// service; cleanups go to ac.atEnd, since serveIdle may return before the
// connection ends.
func (s *Server) agentConversation(ctx context.Context, ac *agentConn, addr string) {
	hello, nonce, err := s.readHello(ctx, ac)
	if err != nil {
		return
	}
	cfg, err := s.verifyHello(hello, nonce)
	if err != nil {
		s.refuse(ctx, ac, err)
		return
	}
	ac.helloNonce, ac.features = hello.Nonce, hello.Features
	if cfg.Kind == embedcfg.KindInstaller {
		s.serveJumpClient(ctx, ac, hello, cfg, addr)
		return
	}
	s.serveSupportApp(ctx, ac, hello, cfg, addr)
}

// verifyHello checks, once for every kind of agent, that the config is one
// this site signed and that the agent holds the identity key it presents
// (it signed our nonce together with the config).
func (s *Server) verifyHello(h *wire.Hello, nonce []byte) (*embedcfg.Config, error) {
	cfg, err := embedcfg.Verify(h.Config, s.SiteKey())
	if err != nil {
		return nil, wire.Err(wire.SessionInvalid)
	}
	if len(h.Identity) != ed25519.PublicKeySize || !ed25519.Verify(h.Identity, wire.ProofMessage(nonce, h.Config), h.Proof) {
		if cfg.Kind == embedcfg.KindInstaller {
			return nil, wire.Err(wire.InstallerInvalid)
		}
		return nil, wire.Err(wire.SessionInvalid)
	}
	return cfg, nil
}

// serveSupportApp admits a support app to its session and serves it.
func (s *Server) serveSupportApp(ctx context.Context, ac *agentConn, h *wire.Hello, cfg *embedcfg.Config, addr string) {
	ss, err := s.admitSupport(ctx, h, cfg, addr)
	if err == nil && ss.Status == wire.StatusRebooting && h.Rejoin {
		ss, err = s.rejoined(ctx, ss, "customer", addr) // back from its reboot (B1)
		if err == nil && !ss.Live() {
			err = wire.Err(ss.Status.EndCode()) // too late (B4)
		}
	}
	if err != nil {
		s.refuse(ctx, ac, err)
		return
	}
	ac.id, ac.identity, ac.unbound = ss.ID, h.Identity, ss.Identity == nil
	welcome := wire.Welcome{SessionID: ss.ID, Status: ss.Status, NeedSecurityCode: !ss.Status.Activated(),
		Technician: ss.Technician, ExpiresAt: ss.ExpiresAt}
	s.setOnline(ctx, ss.ID, true)
	ac.atEnd(func() { s.setOnline(context.WithoutCancel(ctx), ss.ID, false) })
	ended := func() *wire.End {
		if x, err := s.store.Session(ctx, ss.ID); err == nil && !x.Live() {
			return &wire.End{Code: x.Status.EndCode()}
		}
		return nil
	}
	s.serveConnected(ctx, ac, h, welcome, ended, func(m wire.Msg) bool {
		switch m := m.(type) {
		case *wire.Activate:
			return s.activate(ctx, ac, h, m.SecurityCode, addr)
		case *wire.HostUpdate:
			s.store.UpdateSession(ctx, ac.id, func(x *store.Session) error { x.Host = m.Host; return nil })
		case *wire.PinAnswer:
			s.answerPin(ctx, ac, ss, m.Allow, addr)
		case *wire.Chat:
			if x, err := s.loadSession(ctx, ss.ID); err == nil && x.Live() && bytes.Equal(x.Identity, ac.identity) {
				s.customerChat(ctx, x, m, addr)
			}
		case *wire.RebootStatus:
			s.rebootStatus(ctx, ac, m, addr)
		}
		return false
	})
}

// serveConnected sends the welcome (with the site's proof over the agent's
// nonce), keeps the agent in the hub with a heartbeat, and hands each of its
// messages to handle until the link drops or handle reports it is done. An
// agent that beats is served by serveIdle, and serveConnected returns at
// once; others by this goroutine, pinged by the site.
//
// ended is asked again once the agent is in the hub: a session ended or a
// jump client removed between admission and registration would otherwise
// stay connected, because the ending found nobody in the hub to tell.
func (s *Server) serveConnected(ctx context.Context, ac *agentConn, h *wire.Hello, welcome wire.Welcome, ended func() *wire.End, handle func(wire.Msg) (done bool)) {
	if err := ac.send(ctx, s.welcome(h, welcome)); err != nil {
		return
	}
	s.hub.add(ac)
	ac.atEnd(func() { s.hub.remove(ac) })
	kind, path := metrics.Support, metrics.Active
	if ac.jump {
		kind = metrics.Jump
	}
	if h.Beats && ac.link != nil {
		path = metrics.Idle
	}
	ac.atEnd(s.rec.AgentConnected(kind, path))
	if end := ended(); end != nil {
		ac.send(ctx, *end)
		ac.close(websocket.StatusNormalClosure, string(end.Code))
		return
	}
	if h.Beats && ac.link != nil {
		s.serveIdle(ac, handle)
		return
	}
	defer wsutil.StartHeartbeat(ctx, ac.conn, s.opts.Heartbeat)()
	for {
		_, b, err := ac.conn.Read(ctx)
		if err != nil {
			return
		}
		if s.dispatch(ctx, ac, b, handle) {
			return
		}
	}
}

// welcome completes w with the heartbeat and the site's proof over the
// agent's nonce.
func (s *Server) welcome(h *wire.Hello, w wire.Welcome) wire.Welcome {
	w.Heartbeat, w.Beats = s.opts.Heartbeat, true
	w.SiteProof = ed25519.Sign(s.siteKey, wire.SiteProofMessage(h.Nonce))
	return w
}

// readHello sends the challenge and reads the agent's hello.
func (s *Server) readHello(ctx context.Context, ac *agentConn) (*wire.Hello, []byte, error) {
	nonce := make([]byte, 32)
	rand.Read(nonce)
	if err := ac.send(ctx, wire.Challenge{Nonce: nonce}); err != nil {
		return nil, nil, err
	}
	hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	_, b, err := ac.conn.Read(hctx)
	if err != nil {
		return nil, nil, err
	}
	m, err := wire.Decode(b)
	if err != nil {
		s.refuse(ctx, ac, wire.Errorf(wire.BadRequest, "bad hello: %v", err))
		return nil, nil, err
	}
	hello, ok := m.(*wire.Hello)
	if !ok {
		err := wire.Errorf(wire.BadRequest, "expected hello")
		s.refuse(ctx, ac, err)
		return nil, nil, err
	}
	return hello, nonce, nil
}

// refuse sends an error message with the A9/C11 code and closes. Once the
// agent's hello is verified, the refusal is signed over its nonce.
func (s *Server) refuse(ctx context.Context, ac *agentConn, err error) {
	var we *wire.Error
	if !errors.As(err, &we) {
		s.log.Error("agent handshake", "err", err)
		we = wire.Err(wire.Internal)
	}
	s.rec.AgentRefused(we.Code)
	m := wire.ErrorMsg{Code: we.Code, Message: we.Message}
	if ac.helloNonce != nil {
		m.SiteProof = ed25519.Sign(s.siteKey, wire.RefusalMessage(ac.helloNonce, we.Code))
	}
	ac.send(ctx, m)
	ac.close(websocket.StatusPolicyViolation, string(we.Code))
}

// admitSupport checks a support app's hello: the session must be live and
// either not bound yet or bound to this computer's identity key. Binding
// happens with the right security code (activate), not here, so that
// whoever runs a leaked link first cannot take the session from the
// customer (A4).
func (s *Server) admitSupport(ctx context.Context, h *wire.Hello, cfg *embedcfg.Config, addr string) (*store.Session, error) {
	invalid := wire.Err(wire.SessionInvalid)
	if cfg.Kind != embedcfg.KindSupport {
		return nil, invalid
	}
	ss, err := s.loadSession(ctx, cfg.SessionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if err := admissible(ss, h.Identity); err != nil {
		return nil, err
	}
	return ss, s.checkPreviousSession(ctx, ss, h)
}

// checkPreviousSession applies A9 previous_session_open: the computer is
// still bound to another live session of this site, and it belongs to
// another technician (a technician's own new session simply takes over).
func (s *Server) checkPreviousSession(ctx context.Context, ss *store.Session, h *wire.Hello) error {
	if h.PreviousSession == "" || h.PreviousSession == ss.ID {
		return nil
	}
	prev, err := s.loadSession(ctx, h.PreviousSession)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if prev.Live() && bytes.Equal(prev.Identity, h.Identity) && prev.TechnicianID != ss.TechnicianID {
		return wire.Err(wire.PreviousSessionOpen)
	}
	return nil
}

// admissible orders the A9 answers: deleted and expired win over a foreign
// computer, a foreign computer over closed.
func admissible(ss *store.Session, identity []byte) error {
	switch {
	case ss.Status == wire.StatusDeleted:
		return wire.Err(wire.SessionDeleted)
	case ss.Status == wire.StatusExpired:
		return wire.Err(wire.SessionExpired)
	case ss.Identity != nil && !bytes.Equal(ss.Identity, identity):
		return wire.Err(wire.SessionInvalid)
	case ss.Status == wire.StatusClosed:
		return wire.Err(wire.SessionClosed)
	}
	return nil
}

var errLocked = errors.New("locked")

// activate checks a security code and, when it is right, binds the session
// to this computer (A4). Wrong codes are limited three ways: per address
// (rate), per computer (MaxCodeFailures, then this computer is locked out),
// and per session (sessionLockFactor × MaxCodeFailures from any number of
// computers lock the session: only the technician can help then, with a
// new session). It reports whether the connection is finished.
func (s *Server) activate(ctx context.Context, ac *agentConn, h *wire.Hello, code, addr string) bool {
	if !s.limits.securityCodes.Allow(addr) {
		s.rec.RateLimited("security_codes")
		ac.send(ctx, wire.ErrorMsg{Code: wire.TooManyRequests, Message: "Too many attempts. Try again later."})
		return false
	}
	computer := ac.id + "\x00" + string(ac.identity)
	now := s.clock.Now()
	var attemptsLeft int
	var failed, bound bool
	ss, err := s.store.UpdateSession(ctx, ac.id, func(x *store.Session) error {
		failed, bound = false, false
		switch {
		case !x.Live():
			return wire.Err(x.Status.EndCode())
		case x.Identity != nil && !bytes.Equal(x.Identity, ac.identity):
			return wire.Err(wire.SessionInvalid) // another computer activated it
		case x.Status.Activated():
			return nil
		case x.Locked || !s.limits.computerCodes.Has(computer):
			return errLocked
		case !hmac.Equal(s.securityHash(x.ID, code), x.SecurityHash):
			failed = true
			x.FailedCodes++
			x.Locked = x.FailedCodes >= sessionLockFactor*s.opts.MaxCodeFailures
			attemptsLeft = sessionLockFactor*s.opts.MaxCodeFailures - x.FailedCodes
			return nil
		}
		bound = true
		x.Identity, x.Computer, x.Host = ac.identity, h.Host.Hostname, h.Host
		x.Platform, x.RemoteAddr = h.Host.OS+"-"+h.Host.Arch, addr
		x.Status, x.ActivatedAt, x.ExpiresAt = wire.StatusActivated, now, now.Add(s.opts.SessionLifetime)
		return nil
	})
	var we *wire.Error
	switch {
	case errors.As(err, &we):
		ac.send(ctx, wire.End{Code: we.Code})
		return true
	case errors.Is(err, errLocked):
		ac.send(ctx, wire.ErrorMsg{Code: wire.SessionLocked, Message: wire.SessionLocked.Message()})
		return true
	case err != nil:
		s.log.Error("activate", "session", ac.id, "err", err)
		return true
	case failed:
		s.limits.computerCodes.Spend(computer)
		s.audit(ctx, "security_code_failed", ss.ID, "customer", addr, "computer "+h.Host.Hostname)
		if ss.Locked {
			s.audit(ctx, "locked", ss.ID, "site", addr, "too many wrong security codes")
		}
		if ss.Locked || !s.limits.computerCodes.Has(computer) {
			ac.send(ctx, wire.ErrorMsg{Code: wire.SessionLocked, Message: wire.SessionLocked.Message()})
			return true
		}
		left := min(attemptsLeft, s.limits.computerCodes.Tokens(computer))
		ac.send(ctx, wire.ErrorMsg{Code: wire.SecurityCodeInvalid, Message: wire.SecurityCodeInvalid.Message(), AttemptsLeft: max(left, 0)})
		return false
	}
	if bound {
		s.hub.bind(ac)
		s.audit(ctx, "bound", ss.ID, "customer", addr, "computer "+h.Host.Hostname)
		s.audit(ctx, "activated", ss.ID, "customer", addr, "ends "+ss.ExpiresAt.Format(time.RFC3339))
	}
	ac.send(ctx, wire.Activated{EndsAt: ss.ExpiresAt})
	return false
}

// sessionLockFactor × MaxCodeFailures wrong codes, from any computers, lock
// a session for good.
const sessionLockFactor = 4

func (s *Server) setOnline(ctx context.Context, id string, online bool) {
	now := s.clock.Now()
	s.store.UpdateSession(ctx, id, func(x *store.Session) error {
		x.LastOnline = now
		if online {
			x.OnlineSince = now
		} else {
			x.OnlineSince = time.Time{}
		}
		return nil
	})
}
