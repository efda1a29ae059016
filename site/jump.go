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
	jc, err := s.visibleJumpClient(r, a, r.PathValue("id"))
	if err == nil {
		switch {
		case !s.hub.online(jc.ID):
			err = wire.Err(wire.JCOffline)
		case s.jumpDisabled(r.Context(), jc.ID):
			err = wire.Err(wire.JCDisabled)
		}
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	now := s.clock.Now()
	ss := &store.Session{ID: newID(), TechnicianID: a.user.ID, Technician: a.user.Name,
		Status: wire.StatusActivated, CreatedAt: now, ActivatedAt: now, ExpiresAt: now.Add(s.opts.SessionLifetime),
		JumpClientID: jc.ID, Computer: cmp.Or(jc.Name, jc.Host.Hostname), Host: jc.Host,
		SecurityHash: []byte{}, CustomerName: jc.Name}
	for range 5 {
		ss.Code = wire.NewSessionCode()
		if err = s.store.CreateSession(r.Context(), ss, 0, 0); !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	if err != nil {
		s.writeErr(w, r, wire.Err(wire.JumpInternal))
		return
	}
	s.audit(r.Context(), "jump", ss.ID, a.user.Name, remoteAddr(r), "jump client "+jc.ID)
	writeJSON(w, http.StatusCreated, map[string]any{"session_id": ss.ID})
}

// jumpDisabled reads the client's current disable switch (it may have
// changed since the list was read).
func (s *Server) jumpDisabled(ctx context.Context, id string) bool {
	jc, err := s.store.JumpClient(ctx, id)
	return err == nil && jc.Disabled
}
