package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetherhq/tether/site/metrics"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/site/store/storetest"
	"github.com/tetherhq/tether/wire"
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(w.Body)
	return string(b)
}

// TestNamesDocumented keeps docs/OPERATIONS.md's list of metric names
// complete.
func TestNamesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/OPERATIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New("test")
	m.Register(metrics.NewSessions(func(context.Context) (map[wire.SessionStatus]int, error) { return nil, nil }, 0))
	m.Instrument(nil) // the store series exist once a store is wrapped
	for _, line := range strings.Split(scrape(t, m), "\n") {
		name, ok := strings.CutPrefix(line, "# TYPE ")
		if !ok || !strings.HasPrefix(name, "tether_") {
			continue
		}
		name, _, _ = strings.Cut(name, " ")
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/OPERATIONS.md does not list `%s`", name)
		}
	}
}

func TestRecorder(t *testing.T) {
	m := metrics.New("test")
	done := m.AgentConnected(metrics.Jump, metrics.Idle)
	m.AgentConnected(metrics.Support, metrics.Active)
	m.Relayed(metrics.ToViewer, 1000)
	m.Relayed(metrics.ToViewer, 500)
	m.Relayed(metrics.ToAgent, 10)
	m.BeatAnswered()
	m.ErrorAnswered(wire.NotFound)
	m.AgentRefused(wire.SessionExpired)
	m.Login(false)
	m.RateLimited("login")
	done()
	done() // once only
	text := scrape(t, m)
	for _, want := range []string{
		`tether_agents_connected{kind="jump",path="idle"} 0`,
		`tether_agents_connected{kind="support",path="active"} 1`,
		`tether_relay_messages_total{direction="to_viewer"} 2`,
		`tether_relay_bytes_total{direction="to_viewer"} 1500`,
		`tether_relay_bytes_total{direction="to_agent"} 10`,
		`tether_heartbeats_total 1`,
		`tether_http_errors_total{code="not_found"} 1`,
		`tether_agent_refusals_total{code="session_expired"} 1`,
		`tether_logins_total{result="failed"} 1`,
		`tether_rate_limited_total{limit="login"} 1`,
		`tether_rate_limited_total{limit="jumps"} 0`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q", want)
		}
	}
}

// The instrumented store is a store: it passes the conformance suite, and
// times what it forwards.
func TestInstrumentedStoreConformance(t *testing.T) {
	m := metrics.New("test")
	storetest.RunConformance(t, func(t *testing.T) store.Store {
		st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "tether.db"))
		if err != nil {
			t.Fatal(err)
		}
		return m.Instrument(st)
	})
	t.Cleanup(func() {
		text := scrape(t, m)
		if !strings.Contains(text, `tether_store_duration_seconds_count{method="CreateSession"}`) ||
			strings.Contains(text, `tether_store_duration_seconds_count{method="CreateSession"} 0`) {
			t.Error("CreateSession calls were not timed")
		}
	})
}

// Not-found, conflicts and limit answers are answers, not failures.
func TestStoreErrors(t *testing.T) {
	m := metrics.New("test")
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "tether.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := m.Instrument(st)
	if _, err := s.Session(t.Context(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.Session(t.Context(), "nope"); err == nil {
		t.Fatal("closed store answered")
	}
	text := scrape(t, m)
	if !strings.Contains(text, `tether_store_errors_total{method="Session"} 1`) {
		t.Errorf("store errors:\n%s", grep(text, "tether_store_errors_total{method=\"Session\"}"))
	}
}

func grep(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
