package site

import (
	"errors"
	"net/http"

	"github.com/tetherhq/tether/wire"
)

type passwordChange struct {
	Current string `json:"current_password"`
	New     string `json:"new_password"`
}

// handleChangePassword lets the logged-in technician change their own
// password (PUT /api/v1/me/password): the current one is asked again, so a
// console left open or a stolen cookie is not enough, and tries at it count
// against the same budget as logins (tryPassword). The change ends every console login
// of the user, this one too (the console logs in again); API tokens stay.
func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request, a *authed) {
	var req passwordChange
	if err := readJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	ctx, addr := r.Context(), remoteAddr(r)
	if _, err := s.tryPassword(ctx, a.user.Name, addr, req.Current); err != nil {
		if errors.Is(err, errBadLogin) {
			s.audit(ctx, "password_change_failed", "", a.user.Name, addr, "wrong current password")
			err = wire.Errorf(wire.Forbidden, "The current password is wrong.")
		}
		s.writeErr(w, r, err)
		return
	}
	if req.New == req.Current {
		s.writeErr(w, r, wire.Errorf(wire.BadRequest, "The new password is the current one."))
		return
	}
	var hash string
	var herr error
	if err := s.hash(ctx, func() { hash, herr = hashNewPassword(req.New) }); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if herr != nil {
		s.writeErr(w, r, wire.Errorf(wire.BadRequest, "The new %s.", herr))
		return
	}
	if err := s.store.SetUserPassword(ctx, a.user.ID, hash); err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.audit(ctx, "password_changed", "", a.user.Name, addr, "console logins ended")
	clearLoginCookie(w)
	writeJSON(w, http.StatusOK, map[string]any{"logins_ended": true})
}
