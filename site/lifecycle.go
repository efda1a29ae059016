package site

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"time"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// securityHash keys the security code with the site secret and binds it to
// the session, so equal codes in two sessions hash differently.
func (s *Server) securityHash(sessionID, code string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("tether-security-code-v1\x00" + sessionID + "\x00" + wire.NormalizeSecurityCode(code)))
	return m.Sum(nil)
}

// loadSession reads a session and ends it first when its time is up, so
// every read sees the truth even between reaper runs.
func (s *Server) loadSession(ctx context.Context, id string) (*store.Session, error) {
	ss, err := s.store.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if ss.Live() && !s.clock.Now().Before(ss.ExpiresAt) {
		return s.expire(ctx, id)
	}
	if s.rebootOverdue(ss) && !s.presence.Online(rebootAgent(ss)) {
		return s.expireReboot(ctx, id) // B4, reboot.go
	}
	return ss, nil
}

func (s *Server) sessionByCode(ctx context.Context, code string) (*store.Session, error) {
	ss, err := s.store.SessionByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	if ss.Live() && !s.clock.Now().Before(ss.ExpiresAt) {
		return s.expire(ctx, ss.ID)
	}
	return ss, nil
}

var errAlreadyEnded = errors.New("session already ended")

// expire ends a session whose time is up (A1 use-by, A5 auto-end).
func (s *Server) expire(ctx context.Context, id string) (*store.Session, error) {
	now := s.clock.Now()
	ss, err := s.store.UpdateSession(ctx, id, func(ss *store.Session) error {
		if !ss.Live() || now.Before(ss.ExpiresAt) {
			return errAlreadyEnded
		}
		ss.Status, ss.EndedAt, ss.OnlineSince = wire.StatusExpired, now, time.Time{}
		return nil
	})
	if errors.Is(err, errAlreadyEnded) {
		return s.store.Session(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	detail := "not used within the expiry window"
	if !ss.ActivatedAt.IsZero() {
		detail = "session lifetime after activation passed"
	}
	s.audit(ctx, "expired", ss.ID, "site", "", detail)
	s.tellEnded(ctx, ss, wire.SessionExpired)
	return ss, nil
}

// endSession closes or deletes a session on the technician's request and
// tells a connected support app at once.
func (s *Server) endSession(ctx context.Context, id string, to wire.SessionStatus, actor, addr string) (*store.Session, error) {
	now := s.clock.Now()
	ss, err := s.store.UpdateSession(ctx, id, func(ss *store.Session) error {
		switch {
		case ss.Status == wire.StatusDeleted:
			return wire.Err(wire.SessionDeleted)
		case to == wire.StatusClosed && ss.Status == wire.StatusClosed:
			return errAlreadyEnded
		case to == wire.StatusClosed && !ss.Live():
			return wire.Err(ss.Status.EndCode())
		}
		if ss.Live() {
			ss.EndedAt = now
		}
		ss.Status, ss.OnlineSince = to, time.Time{}
		return nil
	})
	if errors.Is(err, errAlreadyEnded) {
		return s.store.Session(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	s.audit(ctx, string(to), id, actor, addr, "")
	s.tellEnded(ctx, ss, to.EndCode())
	return ss, nil
}

// runReaper expires due sessions; loadSession also expires lazily, so the
// interval only bounds how late a connected app hears about it.
func (s *Server) runReaper(ctx context.Context) {
	var jumpReaped, usersChecked time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.clock.After(time.Second):
		}
		s.reap(ctx)
		if now := s.clock.Now(); now.Sub(usersChecked) >= userRecheck {
			usersChecked = now
			s.endDisabledStreams(ctx)
		}
		// The 180-day rule and the recordings' retention need no
		// second-level precision.
		if now := s.clock.Now(); now.Sub(jumpReaped) >= time.Minute {
			jumpReaped = now
			s.reapJumpClients(ctx)
			s.reapRecordings(ctx)
		}
	}
}

// Reap runs the reapers once, now: sessions past their time end, jump
// clients offline for 180 days are removed, and so are recordings past
// their retention, and disabled technicians' open streams end. The site
// runs them by itself every second (sessions), ten seconds (streams) and
// minute (the others); tests call Reap to know they ran.
func (s *Server) Reap(ctx context.Context) {
	s.reap(ctx)
	s.endDisabledStreams(ctx)
	s.reapJumpClients(ctx)
	s.reapRecordings(ctx)
}

func (s *Server) reap(ctx context.Context) {
	ids, err := s.store.DueSessions(ctx, s.clock.Now())
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("reaper", "err", err)
		}
		return
	}
	for _, id := range ids {
		if _, err := s.expire(ctx, id); err != nil {
			s.log.Warn("expire session", "session", id, "err", err)
		}
	}
	s.reapReboots(ctx)
}

// audit records a D5 event; a failure is logged, never fatal to the request.
func (s *Server) audit(ctx context.Context, event, sessionID, actor, addr, detail string) {
	e := &store.AuditEntry{At: s.clock.Now(), Event: event, SessionID: sessionID, Actor: actor, RemoteAddr: addr, Detail: detail}
	if err := s.store.Audit(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("audit", "event", event, "err", err)
	}
	s.log.Info("audit", "event", event, "session", sessionID, "actor", actor, "addr", addr, "detail", detail)
}

// tellEnded tells the agent of an ended session: a support app ends, and a
// passive-mode jump client woken for it goes back to checking in (C9).
func (s *Server) tellEnded(ctx context.Context, ss *store.Session, code wire.Code) {
	s.presence.End(ss.ID, code)
	if ss.JumpClientID != "" {
		s.sleepIfPassive(ctx, ss.JumpClientID)
	}
}
