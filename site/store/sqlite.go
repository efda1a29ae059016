package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// sqliteConns bounds the open connections to the database file.
const sqliteConns = 8

// SQLite implements Store on one database file.
type SQLite struct {
	db *sql.DB
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens (creating if needed) the database at path and applies
// migrations. WAL and a busy timeout let `tether-site user add` write while
// the site is running.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Bounded: database/sql would otherwise open a connection (three file
	// descriptors and a page cache) per concurrent caller — 8,000 in a
	// reconnect storm of 10,000 jump clients, until the process ran out of
	// descriptors. SQLite serializes writers anyway, and a few connections
	// serve WAL's concurrent readers.
	db.SetMaxOpenConns(sqliteConns)
	db.SetMaxIdleConns(sqliteConns)
	s := &SQLite{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *SQLite) migrate(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("%w: version %d, this build knows %d; upgrade tether-site", ErrSchemaTooNew, v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

// Close closes the database.
func (s *SQLite) Close() error { return s.db.Close() }

// DB exposes the handle to sibling packages' tests and benchmarks.
func (s *SQLite) DB() *sql.DB { return s.db }

func ts(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func tm(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// AddUser inserts u and sets u.ID.
func (s *SQLite) AddUser(ctx context.Context, u *User) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO users(name, pass_hash, admin, created_at) VALUES(?,?,?,?)`,
		u.Name, u.PassHash, u.Admin, ts(u.CreatedAt))
	if isUnique(err) {
		return fmt.Errorf("user %q: %w", u.Name, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("add user: %w", err)
	}
	u.ID, err = res.LastInsertId()
	return err
}

const userCols = `id, name, pass_hash, admin, created_at, see_personal_groups, disabled`

func scanUser(row rowScanner) (*User, error) {
	var u User
	var created int64
	if err := row.Scan(&u.ID, &u.Name, &u.PassHash, &u.Admin, &created, &u.SeePersonalGroups, &u.Disabled); err != nil {
		return nil, notFound(err)
	}
	u.CreatedAt = tm(created)
	return &u, nil
}

// user reads one user with its teams.
func (s *SQLite) user(ctx context.Context, query string, args ...any) (*User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, query, args...))
	if err != nil {
		return nil, err
	}
	u.Teams, err = s.ids(ctx, `SELECT team FROM team_members WHERE user_id = ? ORDER BY team`, u.ID)
	return u, err
}

// UserByName looks a user up by login name.
func (s *SQLite) UserByName(ctx context.Context, name string) (*User, error) {
	return s.user(ctx, `SELECT `+userCols+` FROM users WHERE name = ?`, name)
}

// UserByID looks a user up by ID.
func (s *SQLite) UserByID(ctx context.Context, id int64) (*User, error) {
	return s.user(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id)
}

// CountUsers returns the number of users.
func (s *SQLite) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// SetUserPassword replaces a user's password hash and ends their logins.
func (s *SQLite) SetUserPassword(ctx context.Context, userID int64, passHash string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE users SET pass_hash = ? WHERE id = ?`, passHash, userID)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM logins WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("end logins: %w", err)
	}
	return tx.Commit()
}

// SetUserDisabled disables (ending every credential) or enables a user.
// The transaction takes SQLite's write lock at BEGIN (_txlock=immediate),
// so two admins disabled at once cannot both pass the last-admin check.
func (s *SQLite) SetUserDisabled(ctx context.Context, userID int64, disabled bool) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set disabled: %w", err)
	}
	defer tx.Rollback()
	if disabled {
		if err := keepAnAdmin(ctx, tx, userID); err != nil {
			return err
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE users SET disabled = ? WHERE id = ?`, disabled, userID)
	if err != nil {
		return fmt.Errorf("set disabled: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if disabled {
		for _, table := range []string{"logins", "tokens"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE user_id = ?`, userID); err != nil {
				return fmt.Errorf("end %s: %w", table, err)
			}
		}
	}
	return tx.Commit()
}

// keepAnAdmin refuses (ErrLastAdmin) to disable userID when it is an
// enabled admin and no other enabled admin remains.
func keepAnAdmin(ctx context.Context, tx *sql.Tx, userID int64) error {
	var enabledAdmin bool
	var others int
	err := tx.QueryRowContext(ctx, `SELECT admin AND NOT disabled, (SELECT count(*) FROM users o
		WHERE o.admin AND NOT o.disabled AND o.id != u.id) FROM users u WHERE id = ?`, userID).Scan(&enabledAdmin, &others)
	if err != nil {
		return fmt.Errorf("count admins: %w", notFound(err))
	}
	if enabledAdmin && others == 0 {
		return ErrLastAdmin
	}
	return nil
}

// AddToken stores a token hash.
func (s *SQLite) AddToken(ctx context.Context, t *Token) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO tokens(user_id, name, hash, created_at) VALUES(?,?,?,?)`,
		t.UserID, t.Name, t.Hash, ts(t.CreatedAt))
	if err != nil {
		return fmt.Errorf("add token: %w", err)
	}
	t.ID, err = res.LastInsertId()
	return err
}

// UserByTokenHash resolves a bearer token.
func (s *SQLite) UserByTokenHash(ctx context.Context, hash []byte) (*User, error) {
	return s.user(ctx, `SELECT u.id, u.name, u.pass_hash, u.admin, u.created_at,
		u.see_personal_groups, u.disabled FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, hash)
}

// ListTokens lists tokens with their users' names.
func (s *SQLite) ListTokens(ctx context.Context, userID int64) ([]*Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.user_id, t.name, t.created_at, u.name
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE ? = 0 OR t.user_id = ? ORDER BY t.id`, userID, userID)
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
func (s *SQLite) Token(ctx context.Context, id int64) (*Token, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT t.id, t.user_id, t.name, t.created_at, u.name
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return t, err
}

func scanToken(r rowScanner) (*Token, error) {
	var t Token
	var created int64
	if err := r.Scan(&t.ID, &t.UserID, &t.Name, &created, &t.UserName); err != nil {
		return nil, fmt.Errorf("read token: %w", err)
	}
	t.CreatedAt = tm(created)
	return &t, nil
}

// DeleteToken revokes a token.
func (s *SQLite) DeleteToken(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM tokens WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// AddLogin stores a console login.
func (s *SQLite) AddLogin(ctx context.Context, l *Login) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO logins(hash, user_id, csrf, expires_at) VALUES(?,?,?,?)`,
		l.Hash, l.UserID, l.CSRF, ts(l.ExpiresAt))
	if err != nil {
		return fmt.Errorf("add login: %w", err)
	}
	return nil
}

// LoginByHash resolves a console cookie.
func (s *SQLite) LoginByHash(ctx context.Context, hash []byte) (*Login, error) {
	var l Login
	var exp int64
	err := s.db.QueryRowContext(ctx, `SELECT hash, user_id, csrf, expires_at FROM logins WHERE hash = ?`, hash).
		Scan(&l.Hash, &l.UserID, &l.CSRF, &exp)
	if err != nil {
		return nil, notFound(err)
	}
	l.ExpiresAt = tm(exp)
	return &l, nil
}

// DeleteLogin logs out.
func (s *SQLite) DeleteLogin(ctx context.Context, hash []byte) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM logins WHERE hash = ?`, hash)
	return err
}
