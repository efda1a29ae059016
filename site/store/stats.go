package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tetherhq/tether/wire"
)

// Operational reads: readiness and the sessions-by-state gauge. They are
// not on any request path, so they favour plain SQL over indexes.

// statusCounts scans (status, count) rows.
func statusCounts(r rowSource) (map[wire.SessionStatus]int, error) {
	type count struct {
		st wire.SessionStatus
		n  int
	}
	rows, err := scanAll("count sessions", r, func(r rowScanner) (c count, err error) {
		err = r.Scan(&c.st, &c.n)
		return c, err
	})
	out := map[wire.SessionStatus]int{}
	for _, c := range rows {
		out[c.st] = c.n
	}
	return out, err
}

const countSessionsSQL = `SELECT status, count(*) FROM sessions GROUP BY status`

// CountSessions counts sessions by status.
func (s *SQLite) CountSessions(ctx context.Context) (map[wire.SessionStatus]int, error) {
	rows, err := s.db.QueryContext(ctx, countSessionsSQL)
	if err != nil {
		return nil, fmt.Errorf("count sessions: %w", err)
	}
	defer rows.Close()
	return statusCounts(rows)
}

// CountSessions counts sessions by status.
func (p *Postgres) CountSessions(ctx context.Context) (map[wire.SessionStatus]int, error) {
	rows, err := p.pool.Query(ctx, countSessionsSQL)
	if err != nil {
		return nil, fmt.Errorf("count sessions: %w", err)
	}
	defer rows.Close()
	return statusCounts(rows)
}

// Ping runs a query: database/sql's Ping only checks that a connection can
// be had, which a locked or corrupt SQLite file still allows.
func (s *SQLite) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1 FROM users LIMIT 1`).Scan(&one); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("ping sqlite: %w", err)
	}
	return nil
}

// Ping checks that the server answers on a pooled connection.
func (p *Postgres) Ping(ctx context.Context) error {
	if err := p.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}
