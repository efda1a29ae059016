package site

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

var errNoSession = wire.Err(wire.SessionInvalid)

// handleDownload serves the support app with the session embedded (A3).
// It needs no login: the code is the capability, so lookups are
// rate-limited per address against guessing.
func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request) {
	ss, err := s.sessionForCode(r)
	if err == nil {
		err = downloadable(ss)
	}
	if err != nil {
		s.downloadError(w, r, err)
		return
	}
	platform := r.URL.Query().Get("platform")
	if platform == "" {
		platform = guessPlatform(r.UserAgent())
	}
	path, ok := s.agents.path(platform)
	if !ok {
		s.downloadError(w, r, wire.Errorf(wire.Unsupported, "No support app for platform %q on this site. Available: %s.",
			platform, strings.Join(s.agents.platforms(), ", ")))
		return
	}
	if strings.HasPrefix(platform, "darwin-") {
		// macOS: the app in a zip, its config beside it (bytes appended
		// to a signed Mach-O break it; docs/PACKAGES.md).
		err = s.serveMacApp(w, r, "tether-support-"+ss.Code+".zip", s.supportConfig(ss, platform))
	} else {
		err = s.serveAgentBinary(w, r, path, "tether-support-"+ss.Code+exeSuffix(platform), s.supportConfig(ss, platform))
	}
	if err != nil {
		s.log.Warn("download", "session", ss.ID, "err", err)
		return
	}
	s.markDownloaded(r, ss, platform)
}

// sessionForCode resolves the session code in the path. The code is a
// capability anyone may present, so lookups are rate-limited per address
// against guessing.
//
// Three limits apply: per address, per /24 or /64 (limits.Addr), and, for
// well-formed codes that match nothing, site-wide (limits.FailureGate, which
// alerts in the log): probing the code space from many networks shows up
// there.
func (s *Server) sessionForCode(r *http.Request) (*store.Session, error) {
	addr := remoteAddr(r)
	limited := ""
	if !s.limits.codeMisses.Open() {
		limited = "code_misses"
	} else if !s.limits.codes.Allow(addr) {
		limited = "session_codes"
	}
	if limited != "" {
		s.rec.RateLimited(limited)
		return nil, wire.Errorf(wire.TooManyRequests, "Too many requests. Try again later.")
	}
	code, ok := wire.NormalizeSessionCode(r.PathValue("code"))
	if !ok {
		return nil, errNoSession
	}
	ss, err := s.sessionByCode(r.Context(), code)
	if errors.Is(err, store.ErrNotFound) {
		s.limits.codeMisses.Fail(addr)
		return nil, errNoSession
	}
	return ss, err
}

func exeSuffix(platform string) string {
	if strings.HasPrefix(platform, "windows") {
		return ".exe"
	}
	return ""
}

// downloadable maps a session's state to the download answer: closed or
// deleted before use → "App not available" (A9), expired → session_expired.
func downloadable(ss *store.Session) error {
	switch ss.Status {
	case wire.StatusClosed, wire.StatusDeleted:
		return wire.Err(wire.AppNotAvailable)
	case wire.StatusExpired:
		return wire.Err(wire.SessionExpired)
	}
	return nil
}

func (s *Server) supportConfig(ss *store.Session, platform string) *embedcfg.Config {
	return &embedcfg.Config{
		Kind: embedcfg.KindSupport, SiteURL: s.public.String(), SiteName: s.public.Hostname(),
		CertPin: s.pin, Platform: platform, IssuedAt: s.clock.Now(),
		SessionID: ss.ID, SessionCode: ss.Code,
	}
}

// signedAgent opens the agent build at path and returns it with the signed
// record of cfg in its slot, and the total size. The record names the
// build's digest, so the signature covers the whole download.
func (s *Server) signedAgent(path string, cfg *embedcfg.Config) (io.Reader, int64, io.Closer, error) {
	f, info, err := openBuild(path)
	if err != nil {
		return nil, 0, nil, err
	}
	cfg.BinarySHA256 = info.layout.Digest
	rec, err := embedcfg.Record(cfg, s.siteKey)
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	r, n, err := info.layout.Stamped(f, rec)
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	return r, n, f, nil
}

// serveAgentBinary streams the agent binary with a signed config record
// appended, as file name.
func (s *Server) serveAgentBinary(w http.ResponseWriter, r *http.Request, path, name string, cfg *embedcfg.Config) error {
	agent, size, closer, err := s.signedAgent(path, cfg)
	if err != nil {
		s.writeErr(w, r, err)
		return err
	}
	defer closer.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.Header().Set("Cache-Control", "no-store")
	_, err = io.Copy(w, agent)
	return err
}

func (s *Server) markDownloaded(r *http.Request, ss *store.Session, platform string) {
	now := s.clock.Now()
	_, err := s.store.UpdateSession(r.Context(), ss.ID, func(x *store.Session) error {
		if x.Status == wire.StatusCreated {
			x.Status = wire.StatusDownloaded
		}
		if x.DownloadedAt.IsZero() {
			x.DownloadedAt = now
		}
		if x.Platform == "" {
			x.Platform = platform
		}
		return nil
	})
	if err != nil {
		s.log.Warn("mark downloaded", "session", ss.ID, "err", err)
	}
	s.audit(r.Context(), "downloaded", ss.ID, "customer", remoteAddr(r), platform)
}

var downloadErrorPage = template.Must(template.New("dl").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.}}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font-family:system-ui,sans-serif;display:grid;place-items:center;min-height:90vh;color:#222}
main{max-width:30rem;text-align:center}h1{font-size:1.4rem}</style></head>
<body><main><h1 id="message">{{.}}</h1><p>Tether remote support</p></main></body></html>
`))

// downloadError answers browsers with a page and scripts with SPEC F JSON.
func (s *Server) downloadError(w http.ResponseWriter, r *http.Request, err error) {
	var we *wire.Error
	if !strings.Contains(r.Header.Get("Accept"), "text/html") || !errors.As(err, &we) {
		s.writeErr(w, r, err)
		return
	}
	s.rec.ErrorAnswered(we.Code)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(we.Code.HTTPStatus())
	downloadErrorPage.Execute(w, we.Message)
}

// handleAgentConfig gives `tether support --site URL --code CODE` the same
// signed config a download would carry.
func (s *Server) handleAgentConfig(w http.ResponseWriter, r *http.Request) {
	ss, err := s.sessionForCode(r)
	if err == nil && !ss.Live() {
		err = wire.Err(ss.Status.EndCode())
	}
	var rec []byte
	if err == nil {
		rec, err = embedcfg.Record(s.supportConfig(ss, "cli"), s.siteKey)
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(rec)
	s.markDownloaded(r, ss, "cli")
}
