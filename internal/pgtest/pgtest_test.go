package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/tetherhq/tether/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Each call gets its own empty database on the one server.
func TestStartGivesSeparateDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := pgtest.Start(t), pgtest.Start(t)
	if a == b {
		t.Fatalf("same database twice: %s", a)
	}
	for _, dsn := range []string{a, b} {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n)
		conn.Close(ctx)
		if err != nil || n != 0 {
			t.Fatalf("%s: %d tables, %v", dsn, n, err)
		}
	}
}
