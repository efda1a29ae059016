package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tetherhq/tether/wire"
)

// SessionCounter counts sessions by state (store.Store.CountSessions).
type SessionCounter func(ctx context.Context) (map[wire.SessionStatus]int, error)

// sessionStates are the states the gauge always reports (0 when none), so
// that a query over a state does not see a gap.
var sessionStates = []wire.SessionStatus{wire.StatusCreated, wire.StatusDownloaded, wire.StatusActivated,
	wire.StatusConnected, wire.StatusClosed, wire.StatusExpired, wire.StatusDeleted}

// Sessions is the tether_sessions gauge. Counting is a query over the
// whole sessions table, so the result is kept for TTL: scrapes from
// several Prometheus servers (or a busy /metrics) cost one query per TTL.
type Sessions struct {
	count SessionCounter
	ttl   time.Duration
	desc  *prometheus.Desc

	mu     sync.Mutex
	at     time.Time
	counts map[wire.SessionStatus]int
	ok     bool
}

// NewSessions returns the collector; register it with Metrics.Register.
func NewSessions(count SessionCounter, ttl time.Duration) *Sessions {
	return &Sessions{count: count, ttl: ttl,
		desc: prometheus.NewDesc("tether_sessions", "Sessions in the store by state (ad hoc and jump sessions; counted at most every 5 s).", []string{"state"}, nil)}
}

func (s *Sessions) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

// Collect reports the cached counts, counting again when they are older
// than the TTL. A failed count reports nothing (an absent series, not a
// false zero) and is retried at the next scrape.
func (s *Sessions) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ok || time.Since(s.at) >= s.ttl {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		counts, err := s.count(ctx)
		cancel()
		s.counts, s.ok, s.at = counts, err == nil, time.Now()
	}
	if !s.ok {
		return
	}
	seen := map[wire.SessionStatus]bool{}
	for _, st := range sessionStates {
		seen[st] = true
		ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, float64(s.counts[st]), string(st))
	}
	for st, n := range s.counts { // a state added after this list
		if !seen[st] {
			ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, float64(n), string(st))
		}
	}
}
