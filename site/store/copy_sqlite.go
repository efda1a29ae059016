package store

import (
	"context"
	"database/sql"
	"fmt"
)

var _ copier = (*SQLite)(nil)

// exportRows reads every table inside one transaction. It is an immediate
// one (the DSN's _txlock), so writers wait until the copy has been read:
// the snapshot is consistent and a still-running site cannot slip a write
// in between tables.
func (s *SQLite) exportRows(ctx context.Context, fn func(t *copyTable, row []any) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer tx.Rollback()
	for i := range copyTables {
		if err := exportTable(ctx, tx, &copyTables[i], fn); err != nil {
			return err
		}
	}
	return nil
}

func exportTable(ctx context.Context, tx *sql.Tx, t *copyTable, fn func(t *copyTable, row []any) error) error {
	rows, err := tx.QueryContext(ctx, t.selectSQL())
	if err != nil {
		return fmt.Errorf("export %s: %w", t.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		dest := t.scanDest()
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("export %s: %w", t.name, err)
		}
		if err := fn(t, values(dest)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %s: %w", t.name, err)
	}
	return nil
}

// importRows writes in one transaction with one prepared INSERT per table.
// INTEGER PRIMARY KEY continues after the largest copied ID by itself.
func (s *SQLite) importRows(ctx context.Context, load func(put putRow) error, want Counts) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer tx.Rollback()
	if c, err := sqliteCounts(ctx, tx); err != nil {
		return err
	} else if err := requireEmpty(c); err != nil {
		return err
	}
	stmts := map[*copyTable]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	err = load(func(t *copyTable, row []any) error {
		st := stmts[t]
		if st == nil {
			if st, err = tx.PrepareContext(ctx, t.insertSQL(func(int) string { return "?" })); err != nil {
				return fmt.Errorf("import %s: %w", t.name, err)
			}
			stmts[t] = st
		}
		if _, err := st.ExecContext(ctx, row...); err != nil {
			return fmt.Errorf("import %s: %w", t.name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	got, err := sqliteCounts(ctx, tx)
	if err != nil {
		return err
	}
	if err := checkCounts(got, want); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

func sqliteCounts(ctx context.Context, tx *sql.Tx) (Counts, error) {
	return countTables(func(q string) (n int, err error) {
		err = tx.QueryRowContext(ctx, q).Scan(&n)
		return n, err
	})
}
