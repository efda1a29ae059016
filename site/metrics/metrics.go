// Package metrics holds the site's Prometheus collectors. The site reports
// what happens through Recorder, a small interface with a no-op
// implementation, so package site knows nothing of Prometheus and a
// benchmark can run the site without metrics; Store wraps a store.Store
// to time every call.
//
// Every name is listed in docs/OPERATIONS.md; TestNamesDocumented keeps
// that list in step.
package metrics

import (
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tetherhq/tether/wire"
)

// Kind is the kind of a connected agent.
type Kind string

const (
	Support Kind = "support" // a support app (ad hoc session)
	Jump    Kind = "jump"    // a jump client
)

// Path is how the site serves an agent connection (site/idle.go).
type Path string

const (
	// Idle: the agent sends beats and no goroutine waits on its socket.
	Idle Path = "idle"
	// Active: an agent from before beats, with a goroutine reading it.
	Active Path = "active"
)

// Direction of a relayed view message.
type Direction string

const (
	ToViewer Direction = "to_viewer"
	ToAgent  Direction = "to_agent"
)

// Limits are the names of the rate limits RateLimited counts (docs/SECURITY.md).
var Limits = []string{"login", "session_codes", "code_misses", "installers", "agents",
	"security_codes", "view_passwords", "jumps", "password_hashes"}

// Recorder is what the site reports. Its methods run on hot paths (a
// beat, a relayed message), so they must be cheap and never block.
type Recorder interface {
	// AgentConnected counts an agent as connected until the returned
	// function runs (once).
	AgentConnected(kind Kind, path Path) (disconnected func())
	// BeatAnswered counts one answered heartbeat.
	BeatAnswered()
	// Relayed counts one view message of n bytes piped through the site.
	Relayed(dir Direction, n int)
	// ErrorAnswered counts an HTTP error answer by its code.
	ErrorAnswered(code wire.Code)
	// AgentRefused counts an agent's hello refused, by code.
	AgentRefused(code wire.Code)
	// Login counts a password login.
	Login(ok bool)
	// RateLimited counts a request refused by a rate limit (Limits).
	RateLimited(limit string)
	// Draining reports that the site started draining.
	Draining()
}

// Nop records nothing.
type Nop struct{}

func (Nop) AgentConnected(Kind, Path) func() { return func() {} }
func (Nop) BeatAnswered()                    {}
func (Nop) Relayed(Direction, int)           {}
func (Nop) ErrorAnswered(wire.Code)          {}
func (Nop) AgentRefused(wire.Code)           {}
func (Nop) Login(bool)                       {}
func (Nop) RateLimited(string)               {}
func (Nop) Draining()                        {}

// Metrics is the Prometheus Recorder of one site, with its own registry
// (tests run several sites in one process).
type Metrics struct {
	reg *prometheus.Registry

	agents      map[Kind]map[Path]prometheus.Gauge
	beats       prometheus.Counter
	frames      map[Direction]prometheus.Counter
	bytes       map[Direction]prometheus.Counter
	errors      *prometheus.CounterVec
	refusals    *prometheus.CounterVec
	logins      map[bool]prometheus.Counter
	limited     *prometheus.CounterVec
	draining    prometheus.Gauge
	storeTime   *prometheus.HistogramVec
	storeErrors *prometheus.CounterVec
}

var _ Recorder = (*Metrics)(nil)

// New makes the collectors and registers them, with Go's runtime and
// process collectors, on a new registry.
func New(version string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := factory{m.reg}
	agents := f.gaugeVec("tether_agents_connected", "Agents connected to this site, by kind (support, jump) and serving path (idle: beats, no reader goroutine; active: a goroutine per connection).", "kind", "path")
	m.agents = map[Kind]map[Path]prometheus.Gauge{}
	for _, k := range []Kind{Support, Jump} {
		m.agents[k] = map[Path]prometheus.Gauge{}
		for _, p := range []Path{Idle, Active} {
			m.agents[k][p] = agents.WithLabelValues(string(k), string(p))
		}
	}
	m.beats = f.counter("tether_heartbeats_total", "Agent heartbeats (beat messages) answered.")
	frames := f.counterVec("tether_relay_messages_total", "View messages piped between viewers and agents, by direction.", "direction")
	bytes := f.counterVec("tether_relay_bytes_total", "Bytes of view messages piped between viewers and agents, by direction; rate() gives bytes/s.", "direction")
	m.frames, m.bytes = map[Direction]prometheus.Counter{}, map[Direction]prometheus.Counter{}
	for _, d := range []Direction{ToViewer, ToAgent} {
		m.frames[d], m.bytes[d] = frames.WithLabelValues(string(d)), bytes.WithLabelValues(string(d))
	}
	m.errors = f.counterVec("tether_http_errors_total", "HTTP error answers, by error code.", "code")
	m.refusals = f.counterVec("tether_agent_refusals_total", "Agent connections refused after the hello, by error code.", "code")
	for _, c := range wire.Codes() {
		m.errors.WithLabelValues(string(c))
		m.refusals.WithLabelValues(string(c))
	}
	logins := f.counterVec("tether_logins_total", "Console password logins, by result (ok, failed).", "result")
	m.logins = map[bool]prometheus.Counter{true: logins.WithLabelValues("ok"), false: logins.WithLabelValues("failed")}
	m.limited = f.counterVec("tether_rate_limited_total", "Requests refused by a rate limit, by limit.", "limit")
	for _, l := range Limits {
		m.limited.WithLabelValues(l)
	}
	m.draining = f.gauge("tether_draining", "1 while the site drains (SIGTERM): not ready, agents told to reconnect elsewhere.")
	m.storeTime = f.histogramVec("tether_store_duration_seconds", "Duration of store (database) calls, by method.",
		prometheus.ExponentialBuckets(50e-6, 2.5, 12), "method")
	m.storeErrors = f.counterVec("tether_store_errors_total", "Store calls that failed (not counting not-found and conflicts), by method.", "method")
	f.gaugeVec("tether_build_info", "The running build; always 1.", "version").WithLabelValues(version).Set(1)
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Register adds a collector (the sessions gauge, which needs the store).
func (m *Metrics) Register(c prometheus.Collector) { m.reg.MustRegister(c) }

func (m *Metrics) AgentConnected(kind Kind, path Path) func() {
	g := m.agents[kind][path]
	if g == nil {
		return func() {}
	}
	g.Inc()
	var once sync.Once
	return func() { once.Do(g.Dec) }
}

func (m *Metrics) BeatAnswered() { m.beats.Inc() }

func (m *Metrics) Relayed(dir Direction, n int) {
	if c := m.frames[dir]; c != nil {
		c.Inc()
		m.bytes[dir].Add(float64(n))
	}
}

func (m *Metrics) ErrorAnswered(code wire.Code) { m.errors.WithLabelValues(string(code)).Inc() }
func (m *Metrics) AgentRefused(code wire.Code)  { m.refusals.WithLabelValues(string(code)).Inc() }
func (m *Metrics) Login(ok bool)                { m.logins[ok].Inc() }
func (m *Metrics) RateLimited(limit string)     { m.limited.WithLabelValues(limit).Inc() }
func (m *Metrics) Draining()                    { m.draining.Set(1) }

// factory registers what it makes on one registry.
type factory struct{ reg *prometheus.Registry }

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(g)
	return g
}

func (f factory) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	f.reg.MustRegister(h)
	return h
}
