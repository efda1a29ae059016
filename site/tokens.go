package site

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// API tokens: created by the CLI (`tether-site token create`) or by a
// logged-in technician, listed and revoked by their owner or an admin. Only
// a token's hash is stored; the token itself is shown once.

type tokenView struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	User      string    `json:"user"`
	CreatedAt time.Time `json:"created_at"`
}

func tokenViewOf(t *store.Token) tokenView {
	return tokenView{ID: t.ID, Name: t.Name, User: t.UserName, CreatedAt: t.CreatedAt}
}

// handleListTokens lists the caller's tokens; admins see everyone's.
func (s *Server) handleListTokens(w http.ResponseWriter, r *http.Request, a *authed) {
	uid := a.user.ID
	if a.user.Admin {
		uid = 0
	}
	list, err := s.store.ListTokens(r.Context(), uid)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	items := make([]tokenView, 0, len(list))
	for _, t := range list {
		items = append(items, tokenViewOf(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

type createTokenRequest struct {
	Name string `json:"name"`
}

// handleCreateToken gives the caller a new token (shown once).
func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request, a *authed) {
	var req createTokenRequest
	if err := readJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if req.Name == "" {
		req.Name = "api"
	}
	if err := checkLen("name", req.Name, 64); err != nil {
		s.writeErr(w, r, err)
		return
	}
	tok, t, err := newToken(r.Context(), s.store, a.user, req.Name, s.clock.Now())
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.audit(r.Context(), "token_created", "", a.user.Name, remoteAddr(r), fmt.Sprintf("token %d %q", t.ID, t.Name))
	out := tokenViewOf(t)
	writeJSON(w, http.StatusCreated, map[string]any{"id": out.ID, "name": out.Name, "user": out.User,
		"created_at": out.CreatedAt, "token": tok})
}

// handleDeleteToken revokes a token: its owner or an admin may; anyone
// else is told there is no such token.
func (s *Server) handleDeleteToken(w http.ResponseWriter, r *http.Request, a *authed) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeErr(w, r, errNoToken)
		return
	}
	t, err := s.store.Token(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.UserID != a.user.ID && !a.user.Admin) {
		err = errNoToken
	}
	if err == nil {
		err = s.store.DeleteToken(r.Context(), id)
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.audit(r.Context(), "token_revoked", "", a.user.Name, remoteAddr(r), fmt.Sprintf("token %d %q of %s", t.ID, t.Name, t.UserName))
	writeJSON(w, http.StatusOK, map[string]any{})
}

var errNoToken = wire.Errorf(wire.NotFound, "No such token.")

// newToken creates a token for u and returns it with its record.
func newToken(ctx context.Context, st store.Store, u *store.User, name string, now time.Time) (string, *store.Token, error) {
	tok := tokenPrefix + randomToken(32)
	t := &store.Token{UserID: u.ID, Name: name, Hash: hashSecret(tok), CreatedAt: now, UserName: u.Name}
	if err := st.AddToken(ctx, t); err != nil {
		return "", nil, err
	}
	return tok, t, nil
}

// ListTokens lists tokens for the CLI (`tether-site token list [USER]`);
// it works while the site runs.
func ListTokens(ctx context.Context, dbURL, user string) ([]*store.Token, error) {
	st, err := openStore(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var uid int64
	if user != "" {
		u, err := st.UserByName(ctx, user)
		if err != nil {
			return nil, fmt.Errorf("user %q: %w", user, err)
		}
		uid = u.ID
	}
	return st.ListTokens(ctx, uid)
}

// RevokeToken deletes token id for the CLI (`tether-site token revoke ID`);
// a site that is running refuses the token from its next request on.
func RevokeToken(ctx context.Context, dbURL string, id int64) (*store.Token, error) {
	st, err := openStore(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	t, err := st.Token(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("token %d: %w", id, err)
	}
	if err := st.DeleteToken(ctx, id); err != nil {
		return nil, err
	}
	e := &store.AuditEntry{At: time.Now(), Event: "token_revoked", Actor: "cli", Detail: fmt.Sprintf("token %d %q of %s", t.ID, t.Name, t.UserName)}
	if err := st.Audit(ctx, e); err != nil {
		return t, fmt.Errorf("audit: %w", err)
	}
	return t, nil
}
