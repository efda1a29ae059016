package site

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetherhq/tether/internal/clock"
	"github.com/tetherhq/tether/site/cluster"
	"github.com/tetherhq/tether/site/metrics"
	"github.com/tetherhq/tether/site/recording"
	"github.com/tetherhq/tether/site/store"
)

// Server is a running site.
type Server struct {
	opts    Options
	store   store.Store
	log     *slog.Logger
	clock   clock.Clock
	siteKey ed25519.PrivateKey
	secret  []byte // HMAC key for security codes
	cert    tls.Certificate
	pin     string
	public  *url.URL
	agents  *agentBuilds
	hub     *hub
	// presence answers for agents beyond this site's own connections
	// (presence.go); the hub alone on a single site.
	presence Presence
	// cluster joins this node to the others on the same database
	// (clusterlink.go); a cluster of one by default. proxy forwards
	// requests for agents held elsewhere (forward.go).
	cluster cluster.Cluster
	link    clusterLink
	proxy   *httputil.ReverseProxy
	relay   *relay
	passive *passiveClients
	updates updateOffers
	pins    *pinRequests
	// jumpSlots bounds concurrent session starts (server_busy, C11).
	jumpSlots chan struct{}
	// hashes bounds the argon2id computations in progress (hashgate.go).
	hashes *hashGate
	mailer *mailer
	// recordings records the sessions the site's policy records (record.go).
	recordings *recording.Manager
	// userStreams ends a disabled technician's open streams (userwatch.go).
	userStreams userStreams
	// merges bounds the recording downloads merging parts from several
	// nodes at once: each takes twice the recording's size in scratch.
	merges chan struct{}

	// agentCtx is the context of agent connections, which outlive their
	// HTTP handler (handleAgentConnect); agentConns counts them.
	agentCtx   context.Context
	agentConns sync.WaitGroup

	limits siteLimits

	// rec receives what metrics count; metrics is nil when they are off.
	rec     metrics.Recorder
	metrics *metrics.Metrics
	ready   readiness
	// draining is set by Drain: /readyz says 503, no new agents or views.
	draining atomic.Bool
	// stopServe ends ServeListener (a drain that finished).
	stopMu    sync.Mutex
	stopServe context.CancelFunc
}

// New opens the data dir (creating keys, certificate and database on first
// start) and returns a site ready to serve.
func New(ctx context.Context, opts Options) (*Server, error) {
	opts.setDefaults()
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	// The data dir keeps the keys and certificate whichever database holds
	// the rest; openStore refuses a schema newer than this build.
	st, err := openStore(ctx, DatabaseURL(opts.DataDir, opts.Database))
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, store: st, log: opts.Logger, clock: opts.Clock, agentCtx: context.Background(),
		rec: metrics.Nop{}}
	if !opts.DisableMetrics {
		s.metrics = metrics.New(opts.Version)
		s.metrics.Register(metrics.NewSessions(st.CountSessions, 5*time.Second))
		s.store, s.rec = s.metrics.Instrument(st), s.metrics
	}
	if err := s.init(); err != nil {
		st.Close()
		return nil, err
	}
	if err := s.joinCluster(ctx); err != nil {
		st.Close()
		return nil, err
	}
	s.proxy = s.newProxy()
	return s, nil
}

func (s *Server) init() error {
	var err error
	if s.siteKey, err = loadOrCreateSiteKey(s.opts.DataDir); err != nil {
		return fmt.Errorf("site key: %w", err)
	}
	if s.secret, err = loadOrCreateSecret(s.opts.DataDir, "codes.secret"); err != nil {
		return fmt.Errorf("code secret: %w", err)
	}
	if s.public, err = publicURL(s.opts.PublicURL, s.opts.Listen); err != nil {
		return err
	}
	hosts := []string{"localhost", "127.0.0.1", "::1", s.public.Hostname()}
	if h, err := os.Hostname(); err == nil {
		hosts = append(hosts, h)
	}
	if s.cert, err = loadOrCreateCert(s.opts.DataDir, s.opts.TLSCert, s.opts.TLSKey, hosts); err != nil {
		return err
	}
	if s.pin, err = SPKIPin(s.cert); err != nil {
		return err
	}
	s.agents = findAgentBuilds(s.opts.AgentsDir, s.log)
	s.hub = newHub()
	s.presence = localPresence{s.hub}
	s.relay = newRelay()
	s.passive = newPassiveClients()
	s.pins = newPinRequests()
	s.jumpSlots = make(chan struct{}, s.opts.MaxConcurrentJumps)
	s.merges = make(chan struct{}, maxMerges)
	s.hashes = newHashGate()
	s.mailer = newMailer(s.opts.SMTP)
	s.limits = newSiteLimits(s.clock, s.log, s.opts)
	if s.recordings, err = s.newRecordings(); err != nil {
		return err
	}
	return nil
}

// publicURL is the address agents and e-mailed links use.
func publicURL(raw, listen string) (*url.URL, error) {
	if raw != "" {
		u, err := url.Parse(strings.TrimRight(raw, "/"))
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("--public-url %q: want https://host[:port]", raw)
		}
		return u, nil
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("--listen %q: %w", listen, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = outboundIP()
	}
	return &url.URL{Scheme: "https", Host: net.JoinHostPort(host, port)}, nil
}

// outboundIP guesses the address other computers reach us on; no packet is
// sent by a UDP "dial".
func outboundIP() string {
	c, err := net.Dial("udp", "192.0.2.1:9")
	if err != nil {
		return "localhost"
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).IP.String()
}

// Store exposes the store (CLI commands and tests).
func (s *Server) Store() store.Store { return s.store }

// PublicURL is the base URL in links and downloads.
func (s *Server) PublicURL() string { return s.public.String() }

// CertPin is the pin embedded in downloads.
func (s *Server) CertPin() string { return s.pin }

// SiteKey is the public half of the key that signs downloads.
func (s *Server) SiteKey() ed25519.PublicKey { return s.siteKey.Public().(ed25519.PublicKey) }

// Close finishes the recordings (each file gets its index; at most 10 s),
// leaves the cluster and releases the store.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.recordings.Close(ctx); err != nil {
		s.log.Error("closing recordings", "err", err)
	}
	s.cluster.Close()
	return s.store.Close()
}

// Serve listens on opts.Listen until ctx ends.
func (s *Server) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return s.ServeListener(ctx, ln)
}

// ServeListener serves TLS on ln until ctx ends (connections are closed
// within 5 s) or a Drain finishes; tests pass a listener on a random port.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	s.stopMu.Lock()
	s.stopServe = stop
	s.stopMu.Unlock()
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         s.tlsConfig(),
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	s.agentCtx = ctx
	go s.runReaper(ctx)
	go s.serveTunnels(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		s.hub.closeAll()
		srv.Shutdown(sctx)
		s.cluster.Close() // the others forget this node's agents now, not in 5 s
		// Agent connections were hijacked: Shutdown does not wait for them.
		waited := make(chan struct{})
		go func() { s.agentConns.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-sctx.Done():
		}
	}()
	err := srv.ServeTLS(ln, "", "")
	if errors.Is(err, http.ErrServerClosed) {
		<-stopped
		return nil
	}
	return err
}

// tlsConfig allows TLS 1.3 and, for older clients, TLS 1.2 with forward-
// secret AEAD suites only: no CBC (Lucky13-style padding oracles, SHA-1
// MACs), no static RSA key exchange.
func (s *Server) tlsConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{s.cert},
		MinVersion:   tls.VersionTLS12,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
}

// Handler is the site's HTTP handler (routes in routes.go).
func (s *Server) Handler() http.Handler { return s.routes() }
