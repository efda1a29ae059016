package site

import (
	"cmp"
	"context"
	"errors"
	"net/http"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// handleJump starts a session on a jump client (C8): an activated session
// bound to the client, opened in the same viewer as ad hoc sessions. Jump
// clients follow the site's unattended-access policy (D2), so no access
// password or security code is involved.
func (s *Server) handleJump(w http.ResponseWriter, r *http.Request, a *authed) {
	// Session starts are bounded: a passive client's wake-up holds its
	// slot until the client comes (C11 server_busy).
	select {
	case s.jumpSlots <- struct{}{}:
		defer func() { <-s.jumpSlots }()
	default:
		s.rec.RateLimited("jumps")
		s.writeErr(w, r, wire.Err(wire.ServerBusy))
		return
	}
	ss, err := s.jump(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.audit(r.Context(), "jump", ss.ID, a.user.Name, remoteAddr(r), "jump client "+ss.JumpClientID)
	writeJSON(w, http.StatusCreated, map[string]any{"session_id": ss.ID})
}

func (s *Server) jump(ctx context.Context, a *authed, id string) (*store.Session, error) {
	jc, err := s.visibleJumpClient(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !s.presence.Online(jc.ID) {
		switch {
		case jc.Uninstalled:
			return nil, wire.Err(wire.JCUninstalled)
		case !s.isPassive(jc):
			return nil, wire.Err(wire.JCOffline)
		}
		if err := s.wakePassive(ctx, jc.ID); err != nil {
			return nil, err
		}
		// Its check-in just stored fresh statistics, version and switch.
		if jc, err = s.store.JumpClient(ctx, jc.ID); err != nil {
			return nil, wire.Err(wire.JumpInternal)
		}
	}
	if jc.Disabled {
		return nil, wire.Err(wire.JCDisabled)
	}
	if err := s.versionCheck(jc); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	ss := &store.Session{ID: newID(), TechnicianID: a.user.ID, Technician: a.user.Name,
		Status: wire.StatusActivated, CreatedAt: now, ActivatedAt: now, ExpiresAt: now.Add(s.opts.SessionLifetime),
		JumpClientID: jc.ID, Computer: cmp.Or(jc.Name, jc.Host.Hostname), Host: jc.Host,
		SecurityHash: []byte{}, CustomerName: jc.Name}
	if err := s.createJumpSession(ctx, ss); err != nil {
		return nil, err
	}
	// The client may have dropped while the session was being created.
	if !s.presence.Online(jc.ID) {
		s.endSession(context.WithoutCancel(ctx), ss.ID, wire.StatusClosed, "site", "")
		return nil, wire.Err(wire.JCNotConnected)
	}
	return ss, nil
}

// createJumpSession stores the session with a fresh code, each attempt
// bounded by JumpStepTimeout (jump_timeout; other failures jump_internal).
func (s *Server) createJumpSession(ctx context.Context, ss *store.Session) error {
	var err error
	timedOut := false
	for range 5 {
		ss.Code = wire.NewSessionCode()
		sctx, cancel := context.WithTimeout(ctx, s.opts.JumpStepTimeout)
		err = s.store.CreateSession(sctx, ss, 0, 0)
		// database/sql rolls a transaction back when its context ends and
		// the next statement then fails with sql.ErrTxDone, not the
		// deadline: ask the context (seen with coarse timers, under Wine).
		timedOut = errors.Is(sctx.Err(), context.DeadlineExceeded)
		cancel()
		if !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded) || timedOut:
		s.log.Warn("jump: creating the session took too long", "jump_client", ss.JumpClientID, "err", err)
		return wire.Err(wire.JumpTimeout)
	default:
		s.log.Error("jump: create session", "jump_client", ss.JumpClientID, "err", err)
		return wire.Err(wire.JumpInternal)
	}
}
