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

// statusCounts scans (status, count) rows; r is *sql.Rows or pgx.Rows.
func statusCounts(r interface {
	Next() bool
	Scan(...any) error
	Err() error
}) (map[wire.SessionStatus]int, error) {
	out := map[wire.SessionStatus]int{}
	for r.Next() {
		var st wire.SessionStatus
		var n int
		if err := r.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count sessions: %w", err)
		}
		out[st] = n
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("count sessions: %w", err)
	}
	return out, nil
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
