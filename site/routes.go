package site

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/tetherhq/tether/wire"
)

//go:embed web
var webFS embed.FS

// route is one pattern of the site's mux.
type route struct {
	pattern string
	handler http.Handler
}

// apiRoutes are the HTTP API and the agents' endpoints; docs/API.md
// documents every pattern (TestAPIDocumented keeps them in step).
func (s *Server) apiRoutes() []route {
	const api = "/api/v1"
	h := func(pattern string, f http.HandlerFunc) route { return route{pattern, f} }
	return []route{
		h("POST "+api+"/login", s.handleLogin),
		h("POST "+api+"/logout", s.api(s.handleLogout)),
		h("GET "+api+"/me", s.api(s.handleMe)),
		h("PUT "+api+"/me/password", s.api(s.handleChangePassword)),
		h("PUT "+api+"/users/{name}/access", s.api(s.handleSetAccess)),
		h("GET "+api+"/teams", s.api(s.handleTeams)),
		h("POST "+api+"/sessions", s.api(s.handleCreateSession)),
		h("GET "+api+"/sessions", s.api(s.handleListSessions)),
		h("GET "+api+"/sessions/{id}", s.api(s.handleGetSession)),
		h("POST "+api+"/sessions/{id}/close", s.api(s.handleEndSession(wire.StatusClosed))),
		h("DELETE "+api+"/sessions/{id}", s.api(s.handleEndSession(wire.StatusDeleted))),
		h("POST "+api+"/sessions/{id}/email", s.api(s.handleEmailSession)),
		h("POST "+api+"/sessions/{id}/view", s.api(s.handleStartView)),
		h("POST "+api+"/sessions/{id}/pin", s.api(s.handlePin)),
		h("POST "+api+"/sessions/{id}/reboot", s.api(s.handleReboot)),
		h("GET "+api+"/sessions/{id}/stream/{stream}", s.api(s.handleViewerStream)),
		h("POST "+api+"/sessions/{id}/shell", s.api(s.handleStartShell)),
		h("POST "+api+"/sessions/{id}/clipboard", s.api(s.handleStartClipboard)),
		h("POST "+api+"/sessions/{id}/chat", s.api(s.handlePostChat)),
		h("GET "+api+"/sessions/{id}/chat", s.api(s.handleGetChat)),
		h("PUT "+api+"/sessions/{id}/files", s.api(s.handlePutFile)),
		h("GET "+api+"/sessions/{id}/files", s.api(s.handleGetFile)),
		h("GET "+api+"/sessions/{id}/sysinfo", s.api(s.handleSysInfo)),
		h("GET "+api+"/sessions/{id}/recording", s.api(s.handleGetRecording)),
		h("GET "+api+"/audit", s.api(s.handleAudit)),
		h("GET "+api+"/tokens", s.api(s.handleListTokens)),
		h("POST "+api+"/tokens", s.api(s.handleCreateToken)),
		h("DELETE "+api+"/tokens/{id}", s.api(s.handleDeleteToken)),
		h("GET "+api+"/platforms", s.handlePlatforms),
		h("POST "+api+"/installers", s.api(s.handleCreateInstaller)),
		h("GET "+api+"/jump-clients", s.api(s.handleListJumpClients)),
		h("GET "+api+"/jump-clients/{id}", s.api(s.handleGetJumpClient)),
		h("PATCH "+api+"/jump-clients/{id}", s.api(s.handlePatchJumpClient)),
		h("DELETE "+api+"/jump-clients/{id}", s.api(s.handleDeleteJumpClient)),
		h("POST "+api+"/jump-clients/{id}/jump", s.api(s.handleJump)),
		h("PATCH "+api+"/jump-clients", s.api(s.handleBulkJumpClients)),
		h("DELETE "+api+"/jump-clients", s.api(s.handleBulkJumpClients)),
		h("GET /download/{code}", s.handleDownload),
		h("GET /download/installer/{id}/{key}", s.handleInstallerDownload),
		h("GET /agent/v1/connect", s.handleAgentConnect),
		h("GET /agent/v1/config/{code}", s.handleAgentConfig),
		h("GET /agent/v1/stream/{stream}", s.handleAgentStream),
		h("GET "+updatePath+"{platform}/{jc}/{exp}/{mac}", s.handleUpdateDownload),
		h("GET /metrics", s.handleMetrics),
		h("GET /healthz", s.handleHealthz),
		h("GET /readyz", s.handleReadyz),
	}
}

// APIPatterns lists the patterns of the API and agent endpoints (docs).
func (s *Server) APIPatterns() []string {
	var out []string
	for _, r := range s.apiRoutes() {
		out = append(out, r.pattern)
	}
	return out
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, r := range s.apiRoutes() {
		mux.Handle(r.pattern, s.routed(r.pattern, r.handler))
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeErr(w, r, wire.Errorf(wire.NotFound, "No such API call."))
	})
	static, _ := fs.Sub(webFS, "web/static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /console/login", s.page("login.html"))
	mux.HandleFunc("GET /console/{$}", s.page("sessions.html"))
	mux.HandleFunc("GET /console/sessions/{id}", s.page("viewer.html"))
	mux.HandleFunc("GET /console/sessions/{id}/shell", s.page("shell.html"))
	mux.HandleFunc("GET /console/sessions/{id}/recording", s.page("recording.html"))
	mux.HandleFunc("GET /console/audit", s.page("audit.html"))
	mux.HandleFunc("GET /console/jump", s.page("jump.html"))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusFound)
	})
	return securityHeaders(mux)
}

// page serves a console page; the page's script asks /api/v1/me and sends
// the browser to the login page when the cookie is missing.
func (s *Server) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := webFS.ReadFile("web/" + name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b)
	}
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Strict-Transport-Security", "max-age=31536000")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, a *authed) {
	out := map[string]any{"name": a.user.Name, "admin": a.user.Admin}
	if a.login != nil {
		out["csrf"] = a.login.CSRF
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handlePlatforms(w http.ResponseWriter, r *http.Request) {
	platforms := s.agents.platforms()
	// The installer packages each platform can have here, default first
	// (the console's package select).
	packages := map[string][]string{}
	for _, p := range platforms {
		for _, pkg := range packagesFor(p) {
			if s.checkPackage(p, &pkg) == nil {
				packages[p] = append(packages[p], pkg)
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"platforms": platforms, "packages": packages})
}
