package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/tetherhq/tether/internal/pgtest"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/site/store/storetest"
)

// TestMain shares one PostgreSQL server among all tests of the package.
func TestMain(m *testing.M) { pgtest.Main(m) }

func openSQLite(t testing.TB) *store.SQLite {
	t.Helper()
	s, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "tether.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openPostgres opens a store on a new database of the test server.
func openPostgres(t testing.TB) *store.Postgres {
	t.Helper()
	s, err := store.OpenPostgres(context.Background(), pgtest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSQLiteConformance(t *testing.T) {
	storetest.RunConformance(t, func(t *testing.T) store.Store { return openSQLite(t) })
}

func TestPostgresConformance(t *testing.T) {
	storetest.RunConformance(t, func(t *testing.T) store.Store { return openPostgres(t) })
}

// Both backends refuse a database migrated by a newer build.
func TestSQLiteRefusesNewerSchema(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "tether.db")
	s, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, `PRAGMA user_version = 999`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := store.OpenSQLite(ctx, path); !errors.Is(err, store.ErrSchemaTooNew) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("open at version 999: %v, want ErrSchemaTooNew", err)
	}
}

func TestPostgresRefusesNewerSchema(t *testing.T) {
	ctx := t.Context()
	dsn := pgtest.Start(t)
	s, err := store.OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	// Opening again is a no-op migration.
	s2, err := store.OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	s2.Close()
	if _, err := s.Pool().Exec(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES(999, 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := store.OpenPostgres(ctx, dsn); !errors.Is(err, store.ErrSchemaTooNew) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("open at version 999: %v, want ErrSchemaTooNew", err)
	}
}

// A database whose default isolation is SERIALIZABLE (some DBAs set it)
// must behave the same: the store picks its transactions' isolation itself.
func TestPostgresConformanceSerializableDefault(t *testing.T) {
	storetest.RunConformance(t, func(t *testing.T) store.Store {
		s, err := store.OpenPostgres(context.Background(), pgtest.Start(t)+"&default_transaction_isolation=serializable")
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
