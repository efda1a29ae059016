package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// SnapshotSQLite writes a consistent copy of the SQLite database at path to
// dst (which must not exist) with VACUUM INTO: one read transaction, so a
// site running on the database meanwhile neither stops nor shows up half
// way (WAL readers do not block writers). The copy is compacted and has no
// WAL of its own. The database is opened without migrating it, so a backup
// taken by another build leaves the schema as the running site has it.
func SnapshotSQLite(ctx context.Context, path, dst string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("snapshot: open %s: %w", path, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("snapshot %s: %w", path, err)
	}
	return nil
}

// Rows counts the rows of every table of st (backup and restore reports);
// both backends implement it.
func Rows(ctx context.Context, st Store) (Counts, error) {
	switch st := st.(type) {
	case *SQLite:
		return countTables(func(q string) (n int, err error) {
			err = st.db.QueryRowContext(ctx, q).Scan(&n)
			return n, err
		})
	case *Postgres:
		return countTables(func(q string) (n int, err error) {
			err = st.pool.QueryRow(ctx, q).Scan(&n)
			return n, err
		})
	}
	return nil, errors.New("rows: unknown store")
}

// CheckSQLite runs SQLite's integrity check on the database at path.
func CheckSQLite(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if res != "ok" {
		return fmt.Errorf("check %s: %s", path, res)
	}
	return nil
}
