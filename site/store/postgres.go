package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres implements Store on a PostgreSQL database.
//
// It uses pgx's own pool rather than database/sql over pgx/v5/stdlib:
// bytea, bigint and boolean travel in the binary protocol without
// database/sql's conversions, the pool is the only pool (database/sql would
// add a second one around pgx's connections), statements are prepared and
// cached per connection, and server errors arrive as *pgconn.PgError with
// their SQLSTATE. pgx.Row and pgx.Rows have database/sql's Scan signature,
// so the scan functions of the SQLite files serve both backends.
type Postgres struct {
	pool *pgxpool.Pool
}

var _ Store = (*Postgres)(nil)

// Advisory lock keys, in PostgreSQL's two-int4 form (class, object). The
// class is "tetr" in ASCII so Tether's locks are recognisable in pg_locks.
const (
	lockClass     int32 = 0x74657472
	lockTechClass int32 = 0x74657473 // object: the technician's ID
	lockMigrate   int32 = 1
	lockSessions  int32 = 2
)

// OpenPostgres connects to dsn (a postgres:// URL or key=value string;
// pgxpool's pool_* parameters apply) and applies migrations.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	p := &Postgres{pool: pool}
	if err := p.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return p, nil
}

// migrate applies the pending migrations in one transaction (PostgreSQL
// DDL is transactional, so a failed upgrade leaves the old schema intact).
// An advisory lock makes a second site starting at the same time wait
// instead of applying the same migration twice.
func (p *Postgres) migrate(ctx context.Context) error {
	return pgx.BeginTxFunc(ctx, p.pool, readCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockClass, lockMigrate); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY,
			applied_at bigint NOT NULL
		)`); err != nil {
			return fmt.Errorf("schema_migrations: %w", err)
		}
		var v int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if v > len(pgMigrations) {
			return fmt.Errorf("%w: version %d, this build knows %d; upgrade tether-site", ErrSchemaTooNew, v, len(pgMigrations))
		}
		for i := v; i < len(pgMigrations); i++ {
			// No arguments: pgx sends it with the simple protocol, which
			// accepts several statements at once.
			if _, err := tx.Exec(ctx, pgMigrations[i]); err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES($1, $2)`,
				i+1, time.Now().UnixNano()); err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
		}
		return nil
	})
}

// readCommitted is the isolation of every read-write transaction here,
// whatever the server's default_transaction_isolation: the locking below
// relies on each statement taking a new snapshot, so that a count run
// after waiting for a lock sees what the previous holder committed. (Under
// REPEATABLE READ the snapshot of the lock statement itself would be used,
// and FOR UPDATE would fail on concurrent updates instead of waiting.)
var readCommitted = pgx.TxOptions{IsoLevel: pgx.ReadCommitted}

// Close closes the pool.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}

// Pool exposes the pool to sibling packages' tests and benchmarks.
func (p *Postgres) Pool() *pgxpool.Pool { return p.pool }

// pgUnique reports a unique-constraint violation (SQLSTATE 23505).
func pgUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// ids runs a query whose rows are single IDs.
func (p *Postgres) ids(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := p.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query ids: %w", err)
	}
	defer rows.Close()
	var ids []string // nil when empty, as SQLite's (pgx.CollectRows gives [])
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("query ids: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query ids: %w", err)
	}
	return ids, nil
}

// AddUser inserts u and sets u.ID.
func (p *Postgres) AddUser(ctx context.Context, u *User) error {
	err := p.pool.QueryRow(ctx, `INSERT INTO users(name, pass_hash, admin, created_at) VALUES($1,$2,$3,$4)
		RETURNING id`, u.Name, u.PassHash, u.Admin, ts(u.CreatedAt)).Scan(&u.ID)
	if pgUnique(err) {
		return fmt.Errorf("user %q: %w", u.Name, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("add user: %w", err)
	}
	return nil
}

// SetUserPassword replaces a user's password hash and ends their logins.
func (p *Postgres) SetUserPassword(ctx context.Context, userID int64, passHash string) error {
	return pgx.BeginTxFunc(ctx, p.pool, readCommitted, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET pass_hash = $1 WHERE id = $2`, passHash, userID)
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if _, err := tx.Exec(ctx, `DELETE FROM logins WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("end logins: %w", err)
		}
		return nil
	})
}

// SetUserDisabled disables (ending every credential) or enables a user.
// Disabling an admin first locks every enabled admin's row: a concurrent
// disable waits, then re-reads the rows it locks (READ COMMITTED), so two
// admins disabled at once cannot both pass the last-admin check.
func (p *Postgres) SetUserDisabled(ctx context.Context, userID int64, disabled bool) error {
	return pgx.BeginTxFunc(ctx, p.pool, readCommitted, func(tx pgx.Tx) error {
		if disabled {
			if err := pgKeepAnAdmin(ctx, tx, userID); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `UPDATE users SET disabled = $1 WHERE id = $2`, disabled, userID)
		if err != nil {
			return fmt.Errorf("set disabled: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if !disabled {
			return nil
		}
		for _, table := range []string{"logins", "tokens"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE user_id = $1`, userID); err != nil {
				return fmt.Errorf("end %s: %w", table, err)
			}
		}
		return nil
	})
}

// pgKeepAnAdmin refuses (ErrLastAdmin) to disable userID when it is an
// enabled admin and no other enabled admin remains.
func pgKeepAnAdmin(ctx context.Context, tx pgx.Tx, userID int64) error {
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE admin AND NOT disabled ORDER BY id FOR UPDATE`)
	if err != nil {
		return fmt.Errorf("lock admins: %w", err)
	}
	admins, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("lock admins: %w", err)
	}
	if len(admins) == 1 && admins[0] == userID {
		return ErrLastAdmin
	}
	return nil
}

// user reads one user with its teams.
func (p *Postgres) user(ctx context.Context, query string, args ...any) (*User, error) {
	u, err := scanUser(p.pool.QueryRow(ctx, query, args...))
	if err != nil {
		return nil, err
	}
	u.Teams, err = p.ids(ctx, `SELECT team FROM team_members WHERE user_id = $1 ORDER BY team`, u.ID)
	return u, err
}

// UserByName looks a user up by login name.
func (p *Postgres) UserByName(ctx context.Context, name string) (*User, error) {
	return p.user(ctx, `SELECT `+userCols+` FROM users WHERE name = $1`, name)
}

// UserByID looks a user up by ID.
func (p *Postgres) UserByID(ctx context.Context, id int64) (*User, error) {
	return p.user(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id)
}

// CountUsers returns the number of users.
func (p *Postgres) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := p.pool.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// AddToken stores a token hash.
func (p *Postgres) AddToken(ctx context.Context, t *Token) error {
	err := p.pool.QueryRow(ctx, `INSERT INTO tokens(user_id, name, hash, created_at) VALUES($1,$2,$3,$4)
		RETURNING id`, t.UserID, t.Name, t.Hash, ts(t.CreatedAt)).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("add token: %w", err)
	}
	return nil
}

// UserByTokenHash resolves a bearer token.
func (p *Postgres) UserByTokenHash(ctx context.Context, hash []byte) (*User, error) {
	return p.user(ctx, `SELECT u.id, u.name, u.pass_hash, u.admin, u.created_at,
		u.see_personal_groups, u.disabled FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1`, hash)
}

// ListTokens lists tokens with their users' names.
func (p *Postgres) ListTokens(ctx context.Context, userID int64) ([]*Token, error) {
	rows, err := p.pool.Query(ctx, `SELECT t.id, t.user_id, t.name, t.created_at, u.name
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE $1 = 0 OR t.user_id = $1 ORDER BY t.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []*Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Token returns one token without its hash.
func (p *Postgres) Token(ctx context.Context, id int64) (*Token, error) {
	t, err := scanToken(p.pool.QueryRow(ctx, `SELECT t.id, t.user_id, t.name, t.created_at, u.name
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return t, err
}

// DeleteToken revokes a token.
func (p *Postgres) DeleteToken(ctx context.Context, id int64) error {
	tag, err := p.pool.Exec(ctx, `DELETE FROM tokens WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete token: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// AddLogin stores a console login.
func (p *Postgres) AddLogin(ctx context.Context, l *Login) error {
	_, err := p.pool.Exec(ctx, `INSERT INTO logins(hash, user_id, csrf, expires_at) VALUES($1,$2,$3,$4)`,
		l.Hash, l.UserID, l.CSRF, ts(l.ExpiresAt))
	if err != nil {
		return fmt.Errorf("add login: %w", err)
	}
	return nil
}

// LoginByHash resolves a console cookie.
func (p *Postgres) LoginByHash(ctx context.Context, hash []byte) (*Login, error) {
	var l Login
	var exp int64
	err := p.pool.QueryRow(ctx, `SELECT hash, user_id, csrf, expires_at FROM logins WHERE hash = $1`, hash).
		Scan(&l.Hash, &l.UserID, &l.CSRF, &exp)
	if err != nil {
		return nil, notFound(err)
	}
	l.ExpiresAt = tm(exp)
	return &l, nil
}

// DeleteLogin logs out.
func (p *Postgres) DeleteLogin(ctx context.Context, hash []byte) error {
	if _, err := p.pool.Exec(ctx, `DELETE FROM logins WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("delete login: %w", err)
	}
	return nil
}
