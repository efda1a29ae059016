package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tetherhq/tether/wire"
)

const sessionCols = `s.id, s.code, s.technician_id, u.name, s.customer_name, s.customer_email,
	s.password_hash, s.security_hash, s.status, s.created_at, s.expires_at, s.downloaded_at,
	s.activated_at, s.ended_at, s.email_sent_at, s.identity, s.computer, s.host, s.platform,
	s.remote_addr, s.last_online, s.online_since, s.failed_codes, s.locked, s.jump_client_id,
	s.reboot_started_at, s.reboot_safe_mode`

const sessionFrom = ` FROM sessions s JOIN users u ON u.id = s.technician_id `

func scanSession(row rowScanner) (*Session, error) {
	var s Session
	var created, expires, downloaded, activated, ended, emailed, lastOnline, since, reboot int64
	var host string
	err := row.Scan(&s.ID, &s.Code, &s.TechnicianID, &s.Technician, &s.CustomerName, &s.CustomerEmail,
		&s.PasswordHash, &s.SecurityHash, &s.Status, &created, &expires, &downloaded,
		&activated, &ended, &emailed, &s.Identity, &s.Computer, &host, &s.Platform,
		&s.RemoteAddr, &lastOnline, &since, &s.FailedCodes, &s.Locked, &s.JumpClientID,
		&reboot, &s.RebootSafeMode)
	if err != nil {
		return nil, notFound(err)
	}
	s.CreatedAt, s.ExpiresAt, s.DownloadedAt = tm(created), tm(expires), tm(downloaded)
	s.ActivatedAt, s.EndedAt, s.EmailSentAt = tm(activated), tm(ended), tm(emailed)
	s.LastOnline, s.OnlineSince, s.RebootStartedAt = tm(lastOnline), tm(since), tm(reboot)
	if err := json.Unmarshal([]byte(host), &s.Host); err != nil {
		return nil, fmt.Errorf("session %s host: %w", s.ID, err)
	}
	return &s, nil
}

func countLive(ctx context.Context, tx *sql.Tx, where string, args ...any) (int, error) {
	var n int
	// Jump sessions are not ad hoc sessions: A8 limits do not count them.
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sessions WHERE live = 1 AND jump_client_id = '' `+where, args...).Scan(&n)
	return n, err
}

// CreateSession inserts a session after checking the limits in the same
// (immediate, so serialized) transaction.
func (s *SQLite) CreateSession(ctx context.Context, ss *Session, perTech, perSite int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	defer tx.Rollback()
	if perTech > 0 {
		n, err := countLive(ctx, tx, `AND technician_id = ?`, ss.TechnicianID)
		if err != nil {
			return fmt.Errorf("count sessions: %w", err)
		}
		if n >= perTech {
			return wire.Err(wire.LimitTechnician)
		}
	}
	if perSite > 0 {
		n, err := countLive(ctx, tx, ``)
		if err != nil {
			return fmt.Errorf("count sessions: %w", err)
		}
		if n >= perSite {
			return wire.Err(wire.LimitSite)
		}
	}
	host, _ := json.Marshal(ss.Host)
	_, err = tx.ExecContext(ctx, `INSERT INTO sessions(id, code, technician_id, customer_name, customer_email,
		password_hash, security_hash, status, live, created_at, expires_at, host, jump_client_id, computer,
		activated_at) VALUES(?,?,?,?,?,?,?,?,1,?,?,?,?,?,?)`,
		ss.ID, ss.Code, ss.TechnicianID, ss.CustomerName, ss.CustomerEmail, ss.PasswordHash,
		ss.SecurityHash, ss.Status, ts(ss.CreatedAt), ts(ss.ExpiresAt), string(host), ss.JumpClientID,
		ss.Computer, ts(ss.ActivatedAt))
	if isUnique(err) {
		return fmt.Errorf("session code: %w", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return tx.Commit()
}

// Session reads one session.
func (s *SQLite) Session(ctx context.Context, id string) (*Session, error) {
	return scanSession(s.db.QueryRowContext(ctx, `SELECT `+sessionCols+sessionFrom+`WHERE s.id = ?`, id))
}

// SessionByCode prefers the live session with the code.
func (s *SQLite) SessionByCode(ctx context.Context, code string) (*Session, error) {
	return scanSession(s.db.QueryRowContext(ctx, `SELECT `+sessionCols+sessionFrom+
		`WHERE s.code = ? ORDER BY s.live DESC, s.created_at DESC, s.id DESC LIMIT 1`, code))
}

// ListSessions lists a technician's sessions (all technicians when
// technicianID is 0), newest first.
func (s *SQLite) ListSessions(ctx context.Context, technicianID int64, includeEnded bool) ([]*Session, error) {
	q := `SELECT ` + sessionCols + sessionFrom + `WHERE (? = 0 OR s.technician_id = ?)`
	if !includeEnded {
		q += ` AND s.live = 1`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY s.created_at DESC, s.id DESC LIMIT 500`, technicianID, technicianID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	return scanAll("list sessions", rows, scanSession)
}

// UpdateSession reads, mutates and writes a session in one transaction.
func (s *SQLite) UpdateSession(ctx context.Context, id string, fn SessionUpdate) (*Session, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("update session: %w", err)
	}
	defer tx.Rollback()
	ss, err := scanSession(tx.QueryRowContext(ctx, `SELECT `+sessionCols+sessionFrom+`WHERE s.id = ?`, id))
	if err != nil {
		return nil, err
	}
	if err := fn(ss); err != nil {
		return nil, err
	}
	host, _ := json.Marshal(ss.Host)
	_, err = tx.ExecContext(ctx, `UPDATE sessions SET status=?, live=?, expires_at=?, downloaded_at=?,
		activated_at=?, ended_at=?, email_sent_at=?, identity=?, computer=?, host=?, platform=?,
		remote_addr=?, last_online=?, online_since=?, failed_codes=?, locked=?, jump_client_id=?,
		customer_name=?, customer_email=?, reboot_started_at=?, reboot_safe_mode=? WHERE id=?`,
		ss.Status, ss.Live(), ts(ss.ExpiresAt), ts(ss.DownloadedAt), ts(ss.ActivatedAt), ts(ss.EndedAt),
		ts(ss.EmailSentAt), ss.Identity, ss.Computer, string(host), ss.Platform, ss.RemoteAddr,
		ts(ss.LastOnline), ts(ss.OnlineSince), ss.FailedCodes, ss.Locked, ss.JumpClientID,
		ss.CustomerName, ss.CustomerEmail, ts(ss.RebootStartedAt), ss.RebootSafeMode, id)
	if err != nil {
		return nil, fmt.Errorf("write session: %w", err)
	}
	return ss, tx.Commit()
}

// DueSessions lists live sessions that should have ended by now.
func (s *SQLite) DueSessions(ctx context.Context, now time.Time) ([]string, error) {
	return s.ids(ctx, `SELECT id FROM sessions WHERE live = 1 AND expires_at <= ?`, ts(now))
}

// RebootingSessions lists the live sessions in status rebooting.
func (s *SQLite) RebootingSessions(ctx context.Context) ([]*Session, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sessionCols+sessionFrom+
		`WHERE s.live = 1 AND s.status = ? ORDER BY s.id`, string(wire.StatusRebooting))
	if err != nil {
		return nil, fmt.Errorf("rebooting sessions: %w", err)
	}
	defer rows.Close()
	return scanAll("rebooting sessions", rows, scanSession)
}

// ids runs a query whose rows are single IDs.
func (s *SQLite) ids(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query ids: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Audit appends an entry.
func (s *SQLite) Audit(ctx context.Context, e *AuditEntry) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO audit(at, event, session_id, jump_client_id, actor, remote_addr, detail)
		VALUES(?,?,?,?,?,?,?)`, ts(e.At), e.Event, e.SessionID, e.JumpClient, e.Actor, e.RemoteAddr, e.Detail)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	e.ID, err = res.LastInsertId()
	return err
}

// AuditLog reads entries in time order.
func (s *SQLite) AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	where, args := auditWhere(q, func(int) string { return "?" })
	rows, err := s.db.QueryContext(ctx, `SELECT `+auditCols+` FROM audit WHERE `+where+` ORDER BY id LIMIT ?`,
		append(args, auditLimit(q.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	return scanAll("audit log", rows, scanAudit)
}
