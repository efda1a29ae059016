package site

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/tetherhq/tether/wire"
)

//go:embed web
var webFS embed.FS

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := "/api/v1"
	mux.HandleFunc("POST "+api+"/login", s.handleLogin)
	mux.HandleFunc("POST "+api+"/logout", s.api(s.handleLogout))
	mux.HandleFunc("GET "+api+"/me", s.api(s.handleMe))
	mux.HandleFunc("PUT "+api+"/users/{name}/access", s.api(s.handleSetAccess))
	mux.HandleFunc("GET "+api+"/teams", s.api(s.handleTeams))
	mux.HandleFunc("POST "+api+"/sessions", s.api(s.handleCreateSession))
	mux.HandleFunc("GET "+api+"/sessions", s.api(s.handleListSessions))
	mux.HandleFunc("GET "+api+"/sessions/{id}", s.api(s.handleGetSession))
	mux.HandleFunc("POST "+api+"/sessions/{id}/close", s.api(s.handleEndSession(wire.StatusClosed)))
	mux.HandleFunc("DELETE "+api+"/sessions/{id}", s.api(s.handleEndSession(wire.StatusDeleted)))
	mux.HandleFunc("POST "+api+"/sessions/{id}/email", s.api(s.handleEmailSession))
	mux.HandleFunc("POST "+api+"/sessions/{id}/view", s.api(s.handleStartView))
	mux.HandleFunc("POST "+api+"/sessions/{id}/pin", s.api(s.handlePin))
	mux.HandleFunc("GET "+api+"/sessions/{id}/stream/{stream}", s.api(s.handleViewerStream))
	mux.HandleFunc("GET /agent/v1/stream/{stream}", s.handleAgentStream)
	mux.HandleFunc("GET "+api+"/audit", s.api(s.handleAudit))
	mux.HandleFunc("GET "+api+"/tokens", s.api(s.handleListTokens))
	mux.HandleFunc("POST "+api+"/tokens", s.api(s.handleCreateToken))
	mux.HandleFunc("DELETE "+api+"/tokens/{id}", s.api(s.handleDeleteToken))
	mux.HandleFunc("GET "+api+"/platforms", s.handlePlatforms)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeErr(w, r, wire.Errorf(wire.NotFound, "No such API call."))
	})

	mux.HandleFunc("GET /download/{code}", s.handleDownload)
	mux.HandleFunc("POST "+api+"/installers", s.api(s.handleCreateInstaller))
	mux.HandleFunc("GET /download/installer/{id}/{key}", s.handleInstallerDownload)
	mux.HandleFunc("GET "+api+"/jump-clients", s.api(s.handleListJumpClients))
	mux.HandleFunc("GET "+api+"/jump-clients/{id}", s.api(s.handleGetJumpClient))
	mux.HandleFunc("PATCH "+api+"/jump-clients/{id}", s.api(s.handlePatchJumpClient))
	mux.HandleFunc("DELETE "+api+"/jump-clients/{id}", s.api(s.handleDeleteJumpClient))
	mux.HandleFunc("POST "+api+"/jump-clients/{id}/jump", s.api(s.handleJump))
	mux.HandleFunc("PATCH "+api+"/jump-clients", s.api(s.handleBulkJumpClients))
	mux.HandleFunc("DELETE "+api+"/jump-clients", s.api(s.handleBulkJumpClients))
	mux.HandleFunc("GET /agent/v1/connect", s.handleAgentConnect)
	mux.HandleFunc("GET /agent/v1/config/{code}", s.handleAgentConfig)
	mux.HandleFunc("GET "+updatePath+"{platform}/{jc}/{exp}/{mac}", s.handleUpdateDownload)

	static, _ := fs.Sub(webFS, "web/static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /console/login", s.page("login.html"))
	mux.HandleFunc("GET /console/{$}", s.page("sessions.html"))
	mux.HandleFunc("GET /console/sessions/{id}", s.page("viewer.html"))
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
	writeJSON(w, http.StatusOK, map[string]any{"platforms": s.agents.platforms()})
}
