package site

import (
	"context"
	"fmt"
	"io"
	"net"
)

// Run starts a site from the CLI: it prints the console address and, on a
// fresh data dir, the generated admin login, then serves until ctx ends
// (SIGTERM, SIGINT), drains (see Drain) and returns nil.
func Run(ctx context.Context, opts Options, out io.Writer) error {
	s, err := New(ctx, opts)
	if err != nil {
		return err
	}
	defer s.Close()
	pw, err := s.ensureAdmin(ctx)
	if err != nil {
		return fmt.Errorf("create admin: %w", err)
	}
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// The listeners outlive ctx: a drain keeps answering (/readyz 503)
	// until it is done.
	serveCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	served := make(chan error, 1)
	if s.opts.MetricsListen != "" {
		mln, err := net.Listen("tcp", s.opts.MetricsListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-listen: %w", err)
		}
		go func() { served <- s.ServeOps(serveCtx, mln) }()
		fmt.Fprintf(out, "Metrics and health (plain HTTP, no login): http://%s/metrics\n", mln.Addr())
	}
	fmt.Fprintf(out, "Tether site: %s/console/\n", s.PublicURL())
	fmt.Fprintf(out, "Certificate pin (sha256 SPKI): %s\n", s.CertPin())
	if pw != "" {
		fmt.Fprintf(out, "Admin login: admin / %s  (shown once; change it with: tether-site user passwd admin --password-stdin)\n", pw)
	}
	fmt.Fprintf(out, "Agent downloads: %s\n", s.agents.describe())
	mainDone := make(chan error, 1)
	go func() { mainDone <- s.ServeListener(serveCtx, ln) }()
	select {
	case err := <-mainDone:
		return err
	case err := <-served: // the metrics listener failed
		return err
	case <-ctx.Done():
	}
	s.Drain()
	return <-mainDone // then the deferred stop ends the metrics listener
}
