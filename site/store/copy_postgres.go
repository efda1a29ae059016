package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

var _ copier = (*Postgres)(nil)

// exportRows reads every table in one REPEATABLE READ transaction: one
// snapshot for all tables, without blocking writers.
func (p *Postgres) exportRows(ctx context.Context, fn func(t *copyTable, row []any) error) error {
	tx, err := p.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer tx.Rollback(ctx)
	for i := range copyTables {
		if err := pgExportTable(ctx, tx, &copyTables[i], fn); err != nil {
			return err
		}
	}
	return nil
}

func pgExportTable(ctx context.Context, tx pgx.Tx, t *copyTable, fn func(t *copyTable, row []any) error) error {
	rows, err := tx.Query(ctx, t.selectSQL())
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

// importBatch is how many INSERTs go to the server in one round trip.
const importBatch = 500

// importRows writes in one transaction, the tables locked against other
// writers (a site started too early) from the emptiness check to the
// commit. INSERTs are pipelined in batches: one round trip per row would
// make a large audit log take minutes.
func (p *Postgres) importRows(ctx context.Context, load func(put putRow) error, want Counts) error {
	tx, err := p.pool.BeginTx(ctx, readCommitted)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer tx.Rollback(ctx)
	names := make([]string, len(copyTables))
	for i, t := range copyTables {
		names[i] = t.name
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE `+strings.Join(names, ", ")+` IN EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if c, err := pgCounts(ctx, tx); err != nil {
		return err
	} else if err := requireEmpty(c); err != nil {
		return err
	}
	var batch pgx.Batch
	flush := func() error {
		if batch.Len() == 0 {
			return nil
		}
		err := tx.SendBatch(ctx, &batch).Close()
		batch = pgx.Batch{}
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		return nil
	}
	sqls := map[*copyTable]string{}
	err = load(func(t *copyTable, row []any) error {
		q, ok := sqls[t]
		if !ok {
			q = t.insertSQL(func(i int) string { return fmt.Sprintf("$%d", i+1) })
			sqls[t] = q
		}
		batch.Queue(q, row...)
		if batch.Len() >= importBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	got, err := pgCounts(ctx, tx)
	if err != nil {
		return err
	}
	if err := checkCounts(got, want); err != nil {
		return err
	}
	for _, t := range copyTables {
		// The copied IDs were given explicitly, so the identity sequence
		// has not moved; the next AddUser would collide with user 1.
		// setval ignores NULL (an empty table).
		if t.serial {
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), max(id)) FROM `+t.name,
				t.name); err != nil {
				return fmt.Errorf("import %s sequence: %w", t.name, err)
			}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

func pgCounts(ctx context.Context, tx pgx.Tx) (Counts, error) {
	return countTables(func(q string) (n int, err error) {
		err = tx.QueryRow(ctx, q).Scan(&n)
		return n, err
	})
}
