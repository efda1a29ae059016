package site

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tetherhq/tether/wire"
)

// Operations endpoints: /healthz, /readyz and /metrics, outside /api/v1.
// Health answers carry a status word only: no versions, addresses or
// error texts, since they need no login.

// handleHealthz answers 200 while the process serves HTTP (liveness).
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz answers 200 when the store answers a ping within 2 s and
// the site is not draining, else 503: a load balancer sends agents and
// technicians elsewhere.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	status, code := "ready", http.StatusOK
	switch {
	case s.draining.Load():
		status, code = "draining", http.StatusServiceUnavailable
	case s.storeReady(r.Context()) != nil:
		status, code = "database unavailable", http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]string{"status": status})
}

// readyPingTimeout bounds the store ping of /readyz.
const readyPingTimeout = 2 * time.Second

// readiness caches the last store ping for a second, so that /readyz —
// which needs no login — cannot turn into a stream of database queries,
// and polls from several load balancers share one ping.
type readiness struct {
	mu  sync.Mutex
	at  time.Time
	err error
}

func (s *Server) storeReady(ctx context.Context) error {
	s.ready.mu.Lock()
	defer s.ready.mu.Unlock()
	if !s.ready.at.IsZero() && time.Since(s.ready.at) < time.Second {
		return s.ready.err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyPingTimeout)
	defer cancel()
	err := s.store.Ping(ctx)
	switch {
	case err != nil && (s.ready.err == nil || s.ready.at.IsZero()):
		s.log.Warn("not ready: the database does not answer", "err", err)
	case err == nil && s.ready.err != nil:
		s.log.Info("ready: the database answers again")
	}
	s.ready.at, s.ready.err = time.Now(), err
	return err
}

// handleMetrics serves the Prometheus metrics to callers on this machine
// (a local Prometheus or node agent) and to admins with a token; anyone
// else learns nothing (the counts tell how busy a site is). Scrapers on
// other hosts use --metrics-listen on a private address, or an admin's
// API token (bearer_token_file in Prometheus).
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if s.metrics == nil {
		s.writeErr(w, r, wire.Errorf(wire.NotFound, "Metrics are turned off on this site."))
		return
	}
	if !fromLoopback(r) {
		a, err := s.authenticate(r)
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		if !a.user.Admin {
			s.writeErr(w, r, wire.Errorf(wire.Forbidden, "Metrics are served to admins, to this machine, and on --metrics-listen."))
			return
		}
	}
	s.metrics.Handler().ServeHTTP(w, r)
}

// fromLoopback reports a caller on this machine. A request that a proxy
// forwarded (it says so in a header) is not one, even when the proxy runs
// here: the caller is elsewhere.
func fromLoopback(r *http.Request) bool {
	if r.Header.Get("Forwarded") != "" || r.Header.Get("X-Forwarded-For") != "" {
		return false
	}
	ip := net.ParseIP(remoteAddr(r))
	return ip != nil && ip.IsLoopback()
}

// OpsHandler serves /metrics, /healthz and /readyz without authentication,
// for the --metrics-listen listener.
func (s *Server) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics.Handler())
	}
	return mux
}

// ServeOps serves OpsHandler over plain HTTP on ln until ctx ends. Bind it
// to loopback or a private address: it answers anyone who reaches it.
func (s *Server) ServeOps(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.OpsHandler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
