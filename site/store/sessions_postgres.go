package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/tetherhq/tether/wire"
)

// lockSessionLimits serializes the limit check and insert of CreateSession.
//
// SQLite gets this for free (every write transaction is exclusive). Here
// explicit transaction-scoped advisory locks do it, rather than SERIALIZABLE
// with retries: the limits are a count over many rows, so under
// SERIALIZABLE every pair of concurrent creates would conflict and all but
// one would fail and retry (20 concurrent creates means up to 20 rounds),
// and the retry loop would also catch unrelated serialization failures.
// Row locks would need a row to lock for "the site". An advisory lock is
// taken once, queues waiters, and is released at commit, after the
// inserted row is visible, so the next holder's count includes it: the
// lock is its own statement, and in READ COMMITTED (readCommitted) the
// count that follows takes a new snapshot.
//
//   - perSite > 0: the site lock, exclusive (any creation changes the count);
//   - otherwise the site lock shared, so creates for different technicians
//     run in parallel but never alongside a site-limited one, plus the
//     technician's lock exclusive when perTech > 0.
//
// The site lock is always taken first, so there is no lock-order deadlock.
// Only creation can raise a count: a session never becomes live again once
// ended (wire.SessionStatus), and UpdateSession can only end a session or
// bind it to a jump client, which lowers the counts, so UpdateSession needs
// no limit lock.
func lockSessionLimits(ctx context.Context, tx pgx.Tx, techID int64, perTech, perSite int) error {
	var err error
	switch {
	case perSite > 0:
		_, err = tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockClass, lockSessions)
	case perTech > 0:
		_, err = tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1, $2), pg_advisory_xact_lock($3, $4)`,
			lockClass, lockSessions, lockTechClass, int32(techID)) // IDs past 2^31 share locks: safe, just coarser
	default:
		_, err = tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1, $2)`, lockClass, lockSessions)
	}
	if err != nil {
		return fmt.Errorf("session limit lock: %w", err)
	}
	return nil
}

// pgCountLive counts a technician's live ad hoc sessions and the site's,
// in one round trip. Jump sessions are not ad hoc sessions: A8 limits do
// not count them.
func pgCountLive(ctx context.Context, tx pgx.Tx, techID int64) (tech, site int, err error) {
	err = tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE technician_id = $1), count(*) FROM sessions
		WHERE live AND jump_client_id = ''`, techID).Scan(&tech, &site)
	if err != nil {
		return 0, 0, fmt.Errorf("count sessions: %w", err)
	}
	return tech, site, nil
}

// CreateSession inserts a session after checking the limits under the
// locks of lockSessionLimits.
func (p *Postgres) CreateSession(ctx context.Context, ss *Session, perTech, perSite int) error {
	tx, err := p.pool.BeginTx(ctx, readCommitted)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	defer tx.Rollback(ctx)
	if err := lockSessionLimits(ctx, tx, ss.TechnicianID, perTech, perSite); err != nil {
		return err
	}
	if perTech > 0 || perSite > 0 {
		tech, site, err := pgCountLive(ctx, tx, ss.TechnicianID)
		if err != nil {
			return err
		}
		if perTech > 0 && tech >= perTech {
			return wire.Err(wire.LimitTechnician)
		}
		if perSite > 0 && site >= perSite {
			return wire.Err(wire.LimitSite)
		}
	}
	host, _ := json.Marshal(ss.Host)
	_, err = tx.Exec(ctx, `INSERT INTO sessions(id, code, technician_id, customer_name, customer_email,
		password_hash, security_hash, status, live, created_at, expires_at, host, jump_client_id, computer,
		activated_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8,true,$9,$10,$11,$12,$13,$14)`,
		ss.ID, ss.Code, ss.TechnicianID, ss.CustomerName, ss.CustomerEmail, ss.PasswordHash,
		ss.SecurityHash, ss.Status, ts(ss.CreatedAt), ts(ss.ExpiresAt), string(host), ss.JumpClientID,
		ss.Computer, ts(ss.ActivatedAt))
	if pgUnique(err) {
		return fmt.Errorf("session code: %w", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session reads one session.
func (p *Postgres) Session(ctx context.Context, id string) (*Session, error) {
	return scanSession(p.pool.QueryRow(ctx, `SELECT `+sessionCols+sessionFrom+`WHERE s.id = $1`, id))
}

// SessionByCode prefers the live session with the code.
func (p *Postgres) SessionByCode(ctx context.Context, code string) (*Session, error) {
	return scanSession(p.pool.QueryRow(ctx, `SELECT `+sessionCols+sessionFrom+
		`WHERE s.code = $1 ORDER BY s.live DESC, s.created_at DESC, s.id DESC LIMIT 1`, code))
}

// ListSessions lists a technician's sessions (all technicians when
// technicianID is 0), newest first.
func (p *Postgres) ListSessions(ctx context.Context, technicianID int64, includeEnded bool) ([]*Session, error) {
	q := `SELECT ` + sessionCols + sessionFrom + `WHERE ($1::bigint = 0 OR s.technician_id = $1)`
	if !includeEnded {
		q += ` AND s.live`
	}
	rows, err := p.pool.Query(ctx, q+` ORDER BY s.created_at DESC, s.id DESC LIMIT 500`, technicianID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	return scanAll("list sessions", rows, scanSession)
}

// UpdateSession reads, mutates and writes a session in one transaction.
// FOR UPDATE locks the row from the read to the commit, so concurrent
// updates of one session apply one after the other, each seeing the last,
// as SQLite's exclusive transactions do; other sessions are not blocked.
func (p *Postgres) UpdateSession(ctx context.Context, id string, fn SessionUpdate) (*Session, error) {
	tx, err := p.pool.BeginTx(ctx, readCommitted)
	if err != nil {
		return nil, fmt.Errorf("update session: %w", err)
	}
	defer tx.Rollback(ctx)
	ss, err := scanSession(tx.QueryRow(ctx, `SELECT `+sessionCols+sessionFrom+`WHERE s.id = $1 FOR UPDATE OF s`, id))
	if err != nil {
		return nil, err
	}
	if err := fn(ss); err != nil {
		return nil, err
	}
	host, _ := json.Marshal(ss.Host)
	_, err = tx.Exec(ctx, `UPDATE sessions SET status=$1, live=$2, expires_at=$3, downloaded_at=$4,
		activated_at=$5, ended_at=$6, email_sent_at=$7, identity=$8, computer=$9, host=$10, platform=$11,
		remote_addr=$12, last_online=$13, online_since=$14, failed_codes=$15, locked=$16, jump_client_id=$17,
		customer_name=$18, customer_email=$19, reboot_started_at=$20, reboot_safe_mode=$21 WHERE id=$22`,
		ss.Status, ss.Live(), ts(ss.ExpiresAt), ts(ss.DownloadedAt), ts(ss.ActivatedAt), ts(ss.EndedAt),
		ts(ss.EmailSentAt), ss.Identity, ss.Computer, string(host), ss.Platform, ss.RemoteAddr,
		ts(ss.LastOnline), ts(ss.OnlineSince), ss.FailedCodes, ss.Locked, ss.JumpClientID,
		ss.CustomerName, ss.CustomerEmail, ts(ss.RebootStartedAt), ss.RebootSafeMode, id)
	if err != nil {
		return nil, fmt.Errorf("write session: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("update session: %w", err)
	}
	return ss, nil
}

// DueSessions lists live sessions that should have ended by now.
func (p *Postgres) DueSessions(ctx context.Context, now time.Time) ([]string, error) {
	return p.ids(ctx, `SELECT id FROM sessions WHERE live AND expires_at <= $1`, ts(now))
}

// RebootingSessions lists the live sessions in status rebooting.
func (p *Postgres) RebootingSessions(ctx context.Context) ([]*Session, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+sessionCols+sessionFrom+
		`WHERE s.live AND s.status = $1 ORDER BY s.id`, string(wire.StatusRebooting))
	if err != nil {
		return nil, fmt.Errorf("rebooting sessions: %w", err)
	}
	defer rows.Close()
	return scanAll("rebooting sessions", rows, scanSession)
}

// Audit appends an entry.
func (p *Postgres) Audit(ctx context.Context, e *AuditEntry) error {
	err := p.pool.QueryRow(ctx, `INSERT INTO audit(at, event, session_id, jump_client_id, actor, remote_addr, detail)
		VALUES($1,$2,$3,$4,$5,$6,$7) RETURNING id`,
		ts(e.At), e.Event, e.SessionID, e.JumpClient, e.Actor, e.RemoteAddr, e.Detail).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// AuditLog reads entries in the order they were written.
func (p *Postgres) AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	where, args := auditWhere(q, func(n int) string { return fmt.Sprintf("$%d", n) })
	args = append(args, auditLimit(q.Limit))
	rows, err := p.pool.Query(ctx, `SELECT `+auditCols+` FROM audit WHERE `+where+fmt.Sprintf(` ORDER BY id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	return scanAll("audit log", rows, scanAudit)
}
