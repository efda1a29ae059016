package site

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tetherhq/tether/wire"
)

// Jump groups (C10): "user:<name>" is a technician's personal group; any
// other name is a team group. Technicians see their own personal group and
// the teams they belong to; seeing other technicians' personal groups is a
// permission (store.User.SeePersonalGroups); admins see everything.

const personalPrefix = "user:"

// personalGroup is a technician's own jump group.
func personalGroup(user string) string { return personalPrefix + user }

// canSeeGroup applies C10 to one jump group.
func canSeeGroup(a *authed, group string) bool {
	switch {
	case a.user.Admin:
		return true
	case strings.HasPrefix(group, personalPrefix):
		return group == personalGroup(a.user.Name) || a.user.SeePersonalGroups
	default:
		return slices.Contains(a.user.Teams, group)
	}
}

// checkGroup refuses to put jump clients into a group the caller could
// not see afterwards (installers, pins and Properties alike).
func checkGroup(a *authed, group string) error {
	if err := checkLen("jump_group", group, maxGroupLen); err != nil {
		return err
	}
	if !canSeeGroup(a, group) {
		return wire.Errorf(wire.Forbidden, "You may not use the jump group %q: use your personal group %q or one of your teams.",
			group, personalGroup(a.user.Name))
	}
	return nil
}

type accessRequest struct {
	Teams             []string `json:"teams"`
	SeePersonalGroups bool     `json:"see_personal_groups"`
}

// handleSetAccess sets a technician's teams and the permission to see
// other technicians' personal groups (admins only).
func (s *Server) handleSetAccess(w http.ResponseWriter, r *http.Request, a *authed) {
	if !a.user.Admin {
		s.writeErr(w, r, wire.Errorf(wire.Forbidden, "Only admins manage teams and permissions."))
		return
	}
	var req accessRequest
	if err := readJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if err := s.setAccess(r.Context(), r.PathValue("name"), req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.audit(r.Context(), "user_access", "", a.user.Name, remoteAddr(r),
		fmt.Sprintf("%s teams=%v see_personal_groups=%v", r.PathValue("name"), req.Teams, req.SeePersonalGroups))
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *Server) setAccess(ctx context.Context, name string, req accessRequest) error {
	for _, t := range req.Teams {
		if t == "" || checkLen("team", t, maxGroupLen) != nil || strings.HasPrefix(t, personalPrefix) {
			return wire.Errorf(wire.BadRequest, "Team names are 1 to 128 characters and do not start with %q.", personalPrefix)
		}
	}
	u, err := s.store.UserByName(ctx, name)
	if err != nil {
		return wire.Errorf(wire.NotFound, "No user %q.", name)
	}
	return s.store.SetUserAccess(ctx, u.ID, req.Teams, req.SeePersonalGroups)
}

// handleTeams lists the teams the caller may see, with their members.
func (s *Server) handleTeams(w http.ResponseWriter, r *http.Request, a *authed) {
	teams, err := s.store.Teams(r.Context())
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	for t := range teams {
		if !canSeeGroup(a, t) {
			delete(teams, t)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": teams, "personal_group": personalGroup(a.user.Name)})
}

// SetUserAccess is the CLI's way to set teams and permissions
// (`tether-site user access`); it works while the site runs.
func SetUserAccess(ctx context.Context, dbURL, name string, teams []string, seePersonal bool) error {
	st, err := openStore(ctx, dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	s := &Server{store: st}
	return s.setAccess(ctx, name, accessRequest{Teams: teams, SeePersonalGroups: seePersonal})
}
