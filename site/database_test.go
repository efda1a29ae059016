package site_test

import (
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/site/store"
)

// A site does not start on a database a newer build migrated, and says why.
func TestRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	st, err := store.OpenSQLite(t.Context(), filepath.Join(dir, "tether.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`PRAGMA user_version = 999`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	s, err := site.New(t.Context(), site.Options{DataDir: dir, Listen: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil {
		s.Close()
		t.Fatal("started on a newer schema")
	}
	if !errors.Is(err, store.ErrSchemaTooNew) || !strings.Contains(err.Error(), "upgrade tether-site") {
		t.Fatalf("error: %v", err)
	}
}

func TestDatabaseURL(t *testing.T) {
	for _, c := range []struct{ data, db, want string }{
		{"", "", "sqlite:tether-data"},
		{"/var/lib/tether/", "", "sqlite:/var/lib/tether"},
		{"x", "postgres://u@h/db", "postgres://u@h/db"},
	} {
		if got := site.DatabaseURL(c.data, c.db); got != c.want {
			t.Errorf("DatabaseURL(%q, %q) = %q, want %q", c.data, c.db, got, c.want)
		}
	}
	if got := site.RedactURL("postgres://tether:s3cret@db/tether"); strings.Contains(got, "s3cret") {
		t.Errorf("RedactURL kept the password: %s", got)
	}
}
