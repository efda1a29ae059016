package site

import (
	"context"
	"fmt"
	"io"
)

// Run starts a site from the CLI: it prints the console address and, on a
// fresh data dir, the generated admin login, then serves until ctx ends.
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
	fmt.Fprintf(out, "Tether site: %s/console/\n", s.PublicURL())
	fmt.Fprintf(out, "Certificate pin (sha256 SPKI): %s\n", s.CertPin())
	if pw != "" {
		fmt.Fprintf(out, "Admin login: admin / %s  (shown once; change it by creating another admin)\n", pw)
	}
	fmt.Fprintf(out, "Agent downloads: %v\n", s.agents.platforms())
	return s.Serve(ctx)
}
