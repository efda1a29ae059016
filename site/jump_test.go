package site_test

import (
	"database/sql"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/wire"
)

// TestJumpInternalError: when the store fails to create the jump's session
// the technician gets jump_internal (500) and the client stays online. The
// failure is a real one: a trigger added to the site's SQLite database
// aborts inserts of jump sessions.
func TestJumpInternalError(t *testing.T) {
	s := sitetest.Start(t, nil)
	c := newRawJumpClient(t, s, false)
	c.connect("dev", "amd64")
	db, err := sql.Open("sqlite", filepath.Join(s.Data, "tether.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), `CREATE TRIGGER fail_jumps BEFORE INSERT ON sessions
		WHEN NEW.jump_client_id <> '' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`); err != nil {
		t.Fatal(err)
	}
	st, code := jump(s, c.id)
	if st != http.StatusInternalServerError || code != string(wire.JumpInternal) {
		t.Fatalf("jump with a failing store: %d %s, want 500 jump_internal", st, code)
	}
	if _, err := db.ExecContext(t.Context(), `DROP TRIGGER fail_jumps`); err != nil {
		t.Fatal(err)
	}
	if st, code := jump(s, c.id); st != http.StatusCreated {
		t.Fatalf("jump once the store works again: %d %s", st, code)
	}
}
