package site

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// cookieName uses the __Host- prefix: the browser only accepts it with
// Secure, Path=/ and no Domain, so a sibling host cannot plant it.
const cookieName = "__Host-tether"

const loginLifetime = 12 * time.Hour

const tokenPrefix = "tth_"

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// authed is a request's authenticated technician.
type authed struct {
	user   *store.User
	cookie bool
	login  *store.Login
}

var errUnauthorized = wire.Errorf(wire.Unauthorized, "Log in or send an API token.")

// authenticate resolves the bearer token or the console cookie. Cookie
// requests that change something must carry the login's CSRF token.
//
// A disabled user is refused on every request, not only by the deletion of
// their credentials when they were disabled: a login or token created in a
// race with the disable (a password check or `token create` that read the
// user just before) would otherwise keep working.
func (s *Server) authenticate(r *http.Request) (*authed, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !strings.HasPrefix(tok, tokenPrefix) {
			return nil, errUnauthorized
		}
		u, err := s.store.UserByTokenHash(ctx, hashSecret(tok))
		if err != nil || u.Disabled {
			return nil, errUnauthorized
		}
		return &authed{user: u}, nil
	}
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil, errUnauthorized
	}
	l, err := s.store.LoginByHash(ctx, hashSecret(c.Value))
	if err != nil || !s.clock.Now().Before(l.ExpiresAt) {
		return nil, errUnauthorized
	}
	// The user before the CSRF token: a disabled user is told 401, as
	// with a token, whatever the request carries.
	u, err := s.store.UserByID(ctx, l.UserID)
	if err != nil || u.Disabled {
		return nil, errUnauthorized
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		got := r.Header.Get("X-CSRF-Token")
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(l.CSRF)) != 1 {
			return nil, wire.Errorf(wire.Forbidden, "Missing or wrong CSRF token.")
		}
	}
	return &authed{user: u, cookie: true, login: l}, nil
}

// api wraps an authenticated API handler.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request, a *authed)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := s.authenticate(r)
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		h(w, r, a)
	}
}

type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// handleLogin checks a password and sets the console cookie. Failures are
// limited per address and per (name, address); a name guessed at from many
// addresses is slowed down, never locked (limits.Login). Login CSRF — a
// foreign page logging the browser into another account — is refused by
// sameOrigin.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if err := sameOrigin(r, true); err != nil {
		s.writeErr(w, r, err)
		return
	}
	var req loginRequest
	if err := readJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	addr := remoteAddr(r)
	u, err := s.tryPassword(r.Context(), req.Name, addr, req.Password)
	if errors.Is(err, errBadLogin) {
		s.rec.Login(false)
		s.audit(r.Context(), "login_failed", "", req.Name, addr, "")
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.rec.Login(true)
	raw, csrf := randomToken(32), randomToken(24)
	l := &store.Login{Hash: hashSecret(raw), UserID: u.ID, CSRF: csrf, ExpiresAt: s.clock.Now().Add(loginLifetime)}
	if err := s.store.AddLogin(r.Context(), l); err != nil {
		s.writeErr(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: raw, Path: "/", HttpOnly: true, Secure: true,
		SameSite: http.SameSiteStrictMode, Expires: l.ExpiresAt})
	s.audit(r.Context(), "login", "", u.Name, addr, "")
	writeJSON(w, http.StatusOK, map[string]any{"name": u.Name, "admin": u.Admin, "csrf": csrf})
}

var errBadLogin = wire.Errorf(wire.Unauthorized, "Wrong name or password.")

// tryPassword checks name's password from addr under the login limits: a
// login and a password change's "current password" are the same guess.
// Failures count per address and per (name, address), a name guessed at
// from many addresses is slowed down (never locked), and a right password
// clears the count. A wrong password is errBadLogin.
func (s *Server) tryPassword(ctx context.Context, name, addr, pw string) (*store.User, error) {
	guard := s.limits.login
	if !guard.Allowed(name, addr) {
		s.rec.RateLimited("login")
		return nil, wire.Errorf(wire.TooManyRequests, "Too many failed logins from your address. Try again later.")
	}
	if d := guard.Delay(name); d > 0 {
		// A real timer even under a fake clock: it slows real requests.
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	u, err := s.checkLogin(ctx, name, pw)
	if errors.Is(err, errBadLogin) {
		guard.Failed(name, addr)
	}
	if err != nil {
		return nil, err
	}
	guard.Succeeded(name, addr)
	return u, nil
}

func (s *Server) checkLogin(ctx context.Context, name, pw string) (*store.User, error) {
	u, err := s.store.UserByName(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	// The same cost whether or not the user exists, and whether or not it
	// is disabled: the password is checked either way, and a disabled user
	// gets the answer of a wrong password, so a probe cannot tell which
	// names exist or were disabled.
	hash := dummyHash
	if u != nil {
		hash = u.PassHash
	}
	var ok bool
	if err := s.hash(ctx, func() { ok, err = CheckPassword(hash, pw) }); err != nil {
		return nil, err
	}
	if u == nil || err != nil || !ok || u.Disabled {
		return nil, errBadLogin
	}
	return u, nil
}

var dummyHash = HashPassword("tether-dummy-password")

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, a *authed) {
	if a.login != nil {
		s.store.DeleteLogin(r.Context(), a.login.Hash)
	}
	clearLoginCookie(w)
	writeJSON(w, http.StatusOK, map[string]any{})
}

// clearLoginCookie tells the browser to forget its console login.
func clearLoginCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true, Secure: true,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}
