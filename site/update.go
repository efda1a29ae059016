package site

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// Self-update of jump clients (C12). A jump client that checks in with
// another version than the site's, on a platform the site has a build for,
// is offered that build: a short-lived download URL bound to the client, the
// SHA-256 of the bytes that URL serves, and the site key's signature over
// version, platform and hash (wire.UpdateMessage). The agent appends its own
// signed installer config to the build, so nothing secret travels and the
// served bytes, and thus the hash, are the same for every client.
//
// Nothing is kept in memory: the stored version of a jump client says
// whether an update is due (jumps are refused with jc_version_mismatch
// meanwhile), and the URL carries its own HMAC and expiry.

// updateURLTTL bounds how long an offered download URL works; the client
// fetches it right away, and a later check-in gets a fresh one.
const updateURLTTL = 15 * time.Minute

// updatePath is the route of update downloads; see Server.updateURL.
const updatePath = "/agent/v1/update/"

// updatePlatform is the build a jump client with host h runs.
func updatePlatform(h wire.HostInfo) string { return h.OS + "-" + h.Arch }

// updateOffers remembers when each jump client was last offered an update:
// until the offer's link expires, or the client comes back on the site's
// version, it is updating (jumps get jc_updating, a wait message); after
// that a client still on another version is not attempting to update
// (jc_version_mismatch).
type updateOffers struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func (o *updateOffers) offered(id string, at time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[string]time.Time{}
	}
	o.m[id] = at
}

func (o *updateOffers) done(id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.m, id)
}

func (o *updateOffers) updating(id string, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	at, ok := o.m[id]
	return ok && now.Sub(at) < updateURLTTL
}

// versionCheck applies C11 to a jump: a client on the site's version is
// fine; one that is updating gets a wait message (jc_updating); one on
// another version that is not updating — the site has no build for it, or
// its update did not happen in time — is refused (jc_version_mismatch).
func (s *Server) versionCheck(jc *store.JumpClient) error {
	switch {
	case jc.Version == s.opts.Version:
		return nil
	case s.updates.updating(jc.ID, s.clock.Now()):
		return wire.Err(wire.JCUpdating)
	}
	return wire.Err(wire.JCVersionMismatch)
}

// updateDue reports whether jc should run another build than it reports:
// its version differs from the site's and the site has a build for it. A
// site without such a build lets the old version carry on (and be jumped to).
func (s *Server) updateDue(jc *store.JumpClient) bool {
	if jc.Version == s.opts.Version {
		return false
	}
	_, ok := s.agents.path(updatePlatform(jc.Host))
	return ok
}

// checkInUpdate runs at a jump client's check-in, before its new version is
// stored: it audits a finished update and returns the offer for a client
// that still needs one (nil when none is due or it cannot be made).
func (s *Server) checkInUpdate(ctx context.Context, jc *store.JumpClient, h *wire.Hello, addr string) *wire.Update {
	if h.Version == s.opts.Version {
		s.updates.done(jc.ID)
	}
	if jc.Version != h.Version && h.Version == s.opts.Version {
		s.audit(ctx, "jump_client_updated", "", "jump client", addr,
			fmt.Sprintf("jump client %s updated from %s to %s", jc.ID, jc.Version, h.Version))
	}
	now := *jc
	now.Version, now.Host = h.Version, h.Host
	if !s.updateDue(&now) {
		return nil
	}
	platform := updatePlatform(h.Host)
	path, _ := s.agents.path(platform)
	f, info, err := openBuild(path)
	var rec []byte
	if err == nil {
		f.Close()
		rec, err = s.updateConfig(h, platform, info)
	}
	if err != nil {
		s.log.Warn("update offer", "jump_client", jc.ID, "platform", platform, "err", err)
		return nil
	}
	sum := info.sha256
	u := &wire.Update{Version: s.opts.Version, URL: s.updateURL(jc.ID, platform, s.clock.Now().Add(updateURLTTL)),
		SHA256: sum, Size: info.layout.Size, Config: rec,
		Sig: ed25519.Sign(s.siteKey, wire.UpdateMessage(s.opts.Version, platform, sum))}
	s.updates.offered(jc.ID, s.clock.Now())
	s.audit(ctx, "jump_client_update_offered", "", "site", addr,
		fmt.Sprintf("jump client %s from %s to %s (%s)", jc.ID, h.Version, s.opts.Version, platform))
	return u
}

// updateConfig re-issues the client's own installer config (from its
// hello, which the handshake verified) for the new build: the signed
// record names each build's digest, so the new program needs its own.
func (s *Server) updateConfig(h *wire.Hello, platform string, info *buildInfo) ([]byte, error) {
	cfg, err := embedcfg.Verify(h.Config, s.SiteKey())
	if err != nil {
		return nil, fmt.Errorf("client config: %w", err)
	}
	cfg.Platform, cfg.IssuedAt, cfg.BinarySHA256 = platform, s.clock.Now(), info.layout.Digest
	rec, err := embedcfg.Record(cfg, s.siteKey)
	if err == nil {
		err = info.layout.Fits(rec)
	}
	return rec, err
}

// offerAfterWelcome wraps the check that serveConnected runs once the client
// is registered, right after the welcome: that is the first moment the
// client reads anything but the handshake, so the offer goes out then (once).
func (s *Server) offerAfterWelcome(ctx context.Context, ac *agentConn, ended func() *wire.End, u *wire.Update) func() *wire.End {
	if u == nil {
		return ended
	}
	var once sync.Once
	return func() *wire.End {
		if e := ended(); e != nil {
			return e
		}
		once.Do(func() {
			if err := ac.send(ctx, *u); err != nil {
				s.log.Warn("update offer", "jump_client", ac.id, "err", err)
			}
		})
		return nil
	}
}

// updateURL is the path of platform's build for jump client id until exp.
// The MAC keeps the (public, but large) builds from being fetched by anyone
// who can reach the site; it is keyed with the site secret, domain-separated
// from its other uses.
func (s *Server) updateURL(id, platform string, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return updatePath + platform + "/" + id + "/" + e + "/" + s.updateMAC(id, platform, e)
}

func (s *Server) updateMAC(id, platform, exp string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("tether-update-url-v1\x00" + platform + "\x00" + id + "\x00" + exp))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// handleUpdateDownload serves the plain agent build of an update offer.
func (s *Server) handleUpdateDownload(w http.ResponseWriter, r *http.Request) {
	id, platform, exp := r.PathValue("jc"), r.PathValue("platform"), r.PathValue("exp")
	want := s.updateMAC(id, platform, exp)
	sec, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !hmac.Equal([]byte(want), []byte(r.PathValue("mac"))) || !s.clock.Now().Before(time.Unix(sec, 0)) {
		s.writeErr(w, r, wire.Errorf(wire.Forbidden, "This update link is not valid (any more)."))
		return
	}
	jc, err := s.store.JumpClient(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && jc.Removed) {
		err = wire.Err(wire.JCNotFound)
	}
	path, ok := s.agents.path(platform)
	if err == nil && !ok {
		err = wire.Errorf(wire.Unsupported, "No agent build for platform %q on this site.", platform)
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	if err := serveBuild(w, path); err != nil {
		s.log.Warn("update download", "jump_client", id, "err", err)
	}
}

func serveBuild(w http.ResponseWriter, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("agent build: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("agent build: %w", err)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	w.Header().Set("Cache-Control", "no-store")
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("send agent build: %w", err)
	}
	return nil
}
