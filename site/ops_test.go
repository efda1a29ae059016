package site_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
)

func body(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// Health answers need no login and carry a status word only.
func TestHealthAndReadiness(t *testing.T) {
	s := sitetest.Start(t, nil)
	if st, b := body(t, s.Client, s.URL+"/healthz"); st != 200 || strings.TrimSpace(b) != `{"status":"ok"}` {
		t.Fatalf("/healthz: %d %s", st, b)
	}
	if st, b := body(t, s.Client, s.URL+"/readyz"); st != 200 || strings.TrimSpace(b) != `{"status":"ready"}` {
		t.Fatalf("/readyz: %d %s", st, b)
	}
	// A database that stops answering makes the site unready (the ping is
	// cached for a second), without saying more than that.
	s.Server.Store().Close()
	sitetest.WaitFor(t, "unready", func() bool {
		st, b := body(t, s.Client, s.URL+"/readyz")
		if st == 200 {
			return false
		}
		if st != 503 || strings.TrimSpace(b) != `{"status":"database unavailable"}` {
			t.Fatalf("/readyz without a database: %d %s", st, b)
		}
		return true
	})
	if st, _ := body(t, s.Client, s.URL+"/healthz"); st != 200 {
		t.Fatalf("/healthz without a database: %d", st)
	}
}

// /metrics is for this machine and for admins; everything it lists moves
// with what the site does.
func TestMetrics(t *testing.T) {
	s := sitetest.Start(t, nil)
	admin := s.AddTechnician("boss", true)
	var eb sitetest.ErrorBody
	s.Do("", "POST", "/api/v1/login", map[string]any{"name": "tech", "password": "wrong-password"}, &eb)
	s.Do("", "POST", "/api/v1/login", map[string]any{"name": "tech", "password": "tech-password"}, nil)
	s.CreateSession(map[string]any{"password": "access-pw"})
	s.Do(s.Token, "GET", "/api/v1/sessions/nope", nil, &eb)

	st, text := body(t, s.Client, s.URL+"/metrics")
	if st != 200 {
		t.Fatalf("/metrics from loopback: %d", st)
	}
	for _, want := range []string{
		`tether_logins_total{result="failed"} 1`,
		`tether_logins_total{result="ok"} 1`,
		`tether_sessions{state="created"} 1`,
		`tether_http_errors_total{code="not_found"} 1`,
		`tether_http_errors_total{code="unauthorized"} 1`,
		`tether_store_duration_seconds_count{method="CreateSession"} 1`,
		`tether_agents_connected{kind="jump",path="idle"} 0`,
		`tether_draining 0`,
		`tether_build_info{version="dev"} 1`,
		`go_goroutines`, `process_cpu_seconds_total`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// From another address (no network needed: the handler is called with
	// a remote address of the documentation range): an admin's token only.
	get := func(token string) int {
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = "192.0.2.7:40000"
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		s.Server.Handler().ServeHTTP(w, r)
		return w.Code
	}
	if c := get(""); c != 401 {
		t.Errorf("/metrics from afar without a token: %d", c)
	}
	if c := get(s.Token); c != 403 {
		t.Errorf("/metrics from afar with a technician's token: %d", c)
	}
	if c := get(admin); c != 200 {
		t.Errorf("/metrics from afar with an admin's token: %d", c)
	}
	// A proxy on this machine forwarding a caller from elsewhere.
	r := httptest.NewRequest("GET", "/metrics", nil)
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("X-Forwarded-For", "192.0.2.7")
	w := httptest.NewRecorder()
	s.Server.Handler().ServeHTTP(w, r)
	if w.Code != 401 {
		t.Errorf("/metrics through a local proxy: %d", w.Code)
	}
}

// --metrics-listen serves the operations endpoints in plain HTTP.
func TestServeOps(t *testing.T) {
	s := sitetest.Start(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Server.ServeOps(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	for path, want := range map[string]string{"/metrics": "tether_heartbeats_total", "/readyz": "ready", "/healthz": "ok"} {
		if st, b := body(t, http.DefaultClient, base+path); st != 200 || !strings.Contains(b, want) {
			t.Errorf("%s: %d %.200s", path, st, b)
		}
	}
	if st, _ := body(t, http.DefaultClient, base+"/api/v1/me"); st != 404 {
		t.Errorf("the API on the metrics listener: %d", st)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeOps did not stop")
	}
}

func TestMetricsOff(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.DisableMetrics = true })
	if st, _ := body(t, s.Client, s.URL+"/metrics"); st != 404 {
		t.Fatalf("/metrics with metrics off: %d", st)
	}
}

// Run (what `tether-site serve` runs) drains when its context ends — the
// signal — and returns nil; --metrics-listen serves meanwhile.
func TestRunDrainsOnSignal(t *testing.T) {
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	addr, ops := free(), free()
	agents := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	var out strings.Builder
	go func() {
		done <- site.Run(ctx, site.Options{DataDir: t.TempDir(), Listen: addr, PublicURL: "https://" + addr,
			AgentsDir: agents, MetricsListen: ops, DrainTimeout: 5 * time.Second, Logger: quietLogger()}, &out)
	}()
	sitetest.WaitFor(t, "ready", func() bool {
		res, err := http.Get("http://" + ops + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after the signal: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the signal")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("an idle site took %v to drain", took)
	}
	// The banner does not pass for the whole list of downloads: the
	// builds `make run` makes in the background come later.
	if !strings.Contains(out.String(), "Agent downloads: none yet (more are served as their builds appear in "+agents) {
		t.Errorf("Run's output on agent downloads: %s", out.String())
	}
	if !strings.Contains(out.String(), "Admin login: admin / ") {
		t.Errorf("Run's output: %s", out.String())
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
