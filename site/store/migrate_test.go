package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/tetherhq/tether/internal/pgtest"
	"github.com/tetherhq/tether/site/store"
)

// Copy moves every table both ways with every value intact: what the API
// reads back from the target equals what it reads from the source, and
// new rows continue after the copied IDs.
func TestCopy(t *testing.T) {
	backends := map[string]func(testing.TB) store.Store{
		"sqlite":   func(t testing.TB) store.Store { return openSQLite(t) },
		"postgres": func(t testing.TB) store.Store { return openPostgres(t) },
	}
	for _, dir := range [][2]string{{"sqlite", "postgres"}, {"postgres", "sqlite"}, {"postgres", "postgres"}} {
		t.Run(dir[0]+"-to-"+dir[1], func(t *testing.T) {
			t.Parallel()
			from, to := backends[dir[0]](t), backends[dir[1]](t)
			defer from.Close()
			defer to.Close()
			data := fillSite(t, from)
			counts, err := store.Copy(t.Context(), from, to)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(counts, wantCounts) {
				t.Errorf("counts %v, want %v", counts, wantCounts)
			}
			want, got := readSite(t, from, data), readSite(t, to, data)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(want, "", " ")
				t.Fatalf("target differs from source:\n got  %s\n want %s", g, w)
			}
			checkIDsContinue(t, to, data)
		})
	}
}

// checkIDsContinue adds a user, a token and an audit entry: their IDs
// must follow the copied ones (PostgreSQL's sequences were moved on).
func checkIDsContinue(t *testing.T, s store.Store, d siteData) {
	ctx := t.Context()
	u := &store.User{Name: "new", PassHash: "x"}
	if err := s.AddUser(ctx, u); err != nil {
		t.Fatalf("add user after copy: %v", err)
	}
	if u.ID != slices.Max(d.userIDs)+1 {
		t.Errorf("new user ID %d after copying IDs %v", u.ID, d.userIDs)
	}
	if err := s.AddToken(ctx, &store.Token{UserID: u.ID, Name: "t", Hash: hash("new token")}); err != nil {
		t.Errorf("add token after copy: %v", err)
	}
	e := &store.AuditEntry{Event: "after.copy"}
	if err := s.Audit(ctx, e); err != nil || e.ID != int64(wantCounts["audit"])+1 {
		t.Errorf("audit after copy: ID %d, %v", e.ID, err)
	}
}

// A target with any row is refused and left as it was.
func TestCopyRefusesNonEmptyTarget(t *testing.T) {
	for name, open := range map[string]func(testing.TB) store.Store{
		"sqlite":   func(t testing.TB) store.Store { return openSQLite(t) },
		"postgres": func(t testing.TB) store.Store { return openPostgres(t) },
	} {
		t.Run(name, func(t *testing.T) {
			from, to := openSQLite(t), open(t)
			defer from.Close()
			defer to.Close()
			fillSite(t, from)
			if err := to.Audit(t.Context(), &store.AuditEntry{Event: "already here"}); err != nil {
				t.Fatal(err)
			}
			if _, err := store.Copy(t.Context(), from, to); !errors.Is(err, store.ErrTargetNotEmpty) {
				t.Fatalf("copy into a non-empty store: %v, want ErrTargetNotEmpty", err)
			}
			if n, _ := to.CountUsers(t.Context()); n != 0 {
				t.Errorf("%d users copied into the refused target", n)
			}
		})
	}
}

// A row the target cannot hold (PostgreSQL text is UTF-8 without NUL;
// SQLite accepts any bytes) fails the copy as a whole: nothing is written.
func TestCopyFailureWritesNothing(t *testing.T) {
	from, to := openSQLite(t), openPostgres(t)
	defer from.Close()
	defer to.Close()
	fillSite(t, from)
	if err := from.Audit(t.Context(), &store.AuditEntry{Event: "bad", Detail: "nul\x00byte"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Copy(t.Context(), from, to); err == nil {
		t.Fatal("copied a NUL byte into PostgreSQL text")
	}
	for _, count := range []func(context.Context) (int, error){to.CountUsers, to.CountJumpClients} {
		if n, err := count(t.Context()); err != nil || n != 0 {
			t.Errorf("after a failed copy the target has %d rows (%v)", n, err)
		}
	}
}

// Migrate and Open take the URLs the CLI passes.
func TestMigrateURLs(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	src, err := store.Open(ctx, "sqlite:"+dir)
	if err != nil {
		t.Fatal(err)
	}
	data := fillSite(t, src)
	want := readSite(t, src, data)
	src.Close()
	dsn := pgtest.Start(t)
	counts, err := store.Migrate(ctx, "sqlite:"+dir, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(counts, wantCounts) {
		t.Errorf("counts %v, want %v", counts, wantCounts)
	}
	if got := counts.String(); got != "users 3, tokens 2, logins 2, team_members 3, sessions 5, installers 3, jump_clients 3, audit 6, chat_messages 2" {
		t.Errorf("Counts.String() = %q", got)
	}
	// Back again, into a new directory in the sqlite:/// URL form.
	back := filepath.Join(t.TempDir(), "new", "data")
	if _, err := store.Migrate(ctx, dsn, "sqlite://"+back); err != nil {
		t.Fatal(err)
	}
	s, err := store.OpenSQLite(ctx, filepath.Join(back, "tether.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := readSite(t, s, data); !reflect.DeepEqual(got, want) {
		t.Error("sqlite → postgres → sqlite changed the data")
	}
	if _, err := store.Migrate(ctx, "sqlite:"+dir, dsn); !errors.Is(err, store.ErrTargetNotEmpty) {
		t.Errorf("second migrate into the same database: %v, want ErrTargetNotEmpty", err)
	}
	for _, bad := range []string{"mysql://x", "sqlite:", "sqlite://relative", "/just/a/path"} {
		if s, err := store.Open(ctx, bad); err == nil {
			s.Close()
			t.Errorf("Open(%q) accepted", bad)
		}
	}
}

// Copy moves the columns both schemas have, no fewer: a migration that
// adds a column must add it to copyTables too.
func TestCopyCoversSchema(t *testing.T) {
	ctx := t.Context()
	want := store.CopyColumns()
	for k := range want {
		slices.Sort(want[k])
	}
	lite := openSQLite(t)
	defer lite.Close()
	got := map[string][]string{}
	rows, err := lite.DB().QueryContext(ctx, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		got[table] = append(got[table], col)
	}
	rows.Close()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SQLite schema %v\n copy columns %v", got, want)
	}

	pg := openPostgres(t)
	defer pg.Close()
	got = map[string][]string{}
	prows, err := pg.Pool().Query(ctx, `SELECT table_name::text, column_name::text FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`)
	if err != nil {
		t.Fatal(err)
	}
	for prows.Next() {
		var table, col string
		if err := prows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		got[table] = append(got[table], col)
	}
	prows.Close()
	for k := range got {
		slices.Sort(got[k])
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PostgreSQL schema %v\n copy columns %v", got, want)
	}
}
