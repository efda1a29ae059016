package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrTargetNotEmpty is returned by Copy when the target already has rows:
// merging two sites' IDs is not something a copy can do safely.
var ErrTargetNotEmpty = errors.New("store: target database is not empty")

// Open opens a store by URL: "sqlite:DIR" (or "sqlite:///DIR") is the
// SQLite database DIR/tether.db, DIR created if missing, as `tether-site
// serve --data DIR` uses it; "postgres://…" or "postgresql://…" is a
// PostgreSQL database.
func Open(ctx context.Context, url string) (Store, error) {
	switch {
	case IsPostgres(url):
		return OpenPostgres(ctx, url)
	case strings.HasPrefix(url, "sqlite:"):
		dir, err := SQLiteDir(url)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		return OpenSQLite(ctx, filepath.Join(dir, SQLiteFile))
	}
	return nil, fmt.Errorf("store URL %q: want sqlite:DIR or postgres://…", url)
}

// SQLiteFile is the name of the SQLite database in its directory.
const SQLiteFile = "tether.db"

// IsPostgres reports whether a store URL names a PostgreSQL database.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// SQLiteDir is the directory of a "sqlite:DIR" or "sqlite:///DIR" URL.
func SQLiteDir(url string) (string, error) {
	dir, ok := strings.CutPrefix(url, "sqlite:")
	if !ok {
		return "", fmt.Errorf("store URL %q: not sqlite:DIR", url)
	}
	if strings.HasPrefix(dir, "//") {
		// URL form: only an empty host, as in sqlite:///var/lib/tether.
		if dir = strings.TrimPrefix(dir, "//"); !strings.HasPrefix(dir, "/") {
			return "", fmt.Errorf("store URL %q: write sqlite:DIR or sqlite:///ABSOLUTE/DIR", url)
		}
	}
	if dir == "" {
		return "", fmt.Errorf("store URL %q: no directory", url)
	}
	return dir, nil
}

// Migrate copies the site in fromURL into the empty store at toURL (see
// Open for the URLs and Copy for what is copied). It is all
// `tether-site migrate --from … --to …` needs; stop the site first, as
// Copy reads one snapshot and writes made after it would be left behind.
func Migrate(ctx context.Context, fromURL, toURL string) (Counts, error) {
	from, err := Open(ctx, fromURL)
	if err != nil {
		return nil, fmt.Errorf("migrate from: %w", err)
	}
	defer from.Close()
	to, err := Open(ctx, toURL)
	if err != nil {
		return nil, fmt.Errorf("migrate to: %w", err)
	}
	defer to.Close()
	return Copy(ctx, from, to)
}

// Counts is the number of rows copied, by table name.
type Counts map[string]int

// String lists the counts in copy order, e.g. "users 3, tokens 2, …".
func (c Counts) String() string {
	parts := make([]string, 0, len(copyTables))
	for _, t := range copyTables {
		parts = append(parts, fmt.Sprintf("%s %d", t.name, c[t.name]))
	}
	return strings.Join(parts, ", ")
}

// Copy copies every row of every table of from into to, which must be
// empty, keeping IDs, hashes and times exactly (both backends store the
// same columns with the same values; see pgMigrations). It reads one
// consistent snapshot of from and writes to in one transaction that
// commits only if each table's row count in to equals the rows read, so a
// failed copy leaves to empty. Both stores must be opened by this build,
// so their schemas are at the same version.
func Copy(ctx context.Context, from, to Store) (Counts, error) {
	src, ok := from.(copier)
	if !ok {
		return nil, fmt.Errorf("copy: %T cannot export", from)
	}
	dst, ok := to.(copier)
	if !ok {
		return nil, fmt.Errorf("copy: %T cannot import", to)
	}
	if from == to {
		return nil, errors.New("copy: source and target are the same store")
	}
	// load fills read before importRows compares the target with it.
	read := Counts{}
	for _, t := range copyTables {
		read[t.name] = 0 // every table is listed, empty ones too
	}
	err := dst.importRows(ctx, func(put putRow) error {
		return src.exportRows(ctx, func(t *copyTable, row []any) error {
			read[t.name]++
			return put(t, row)
		})
	}, read)
	if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	return read, nil
}

// copier is what Copy needs from a backend beyond Store.
type copier interface {
	// exportRows calls fn with each row of each table of copyTables, in
	// that order, from one consistent snapshot.
	exportRows(ctx context.Context, fn func(t *copyTable, row []any) error) error
	// importRows checks that every table is empty, runs load with put
	// writing rows in one transaction, and commits if each table then has
	// want[table] rows.
	importRows(ctx context.Context, load func(put putRow) error, want Counts) error
}

type putRow func(t *copyTable, row []any) error

// colKind is how a column's values travel between the backends.
type colKind int

const (
	kindText colKind = iota
	kindInt          // int64: IDs, counters and times (Unix nanoseconds)
	kindBool         // INTEGER 0/1 in SQLite, boolean in PostgreSQL
	kindBlob         // BLOB / bytea; NULL stays NULL
)

type copyColumn struct {
	name string
	kind colKind
}

// copyTable is one table as Copy moves it.
type copyTable struct {
	name  string
	cols  []copyColumn
	order string // a unique sort key, so the copy is in ID order
	// serial: id is generated, so PostgreSQL's sequence must continue
	// after the copied IDs.
	serial bool
}

// copyTables lists every table in an order that satisfies foreign keys.
// A test compares it with both schemas, so a column added by a migration
// but not here fails the tests instead of being silently left behind.
var copyTables = []copyTable{
	{name: "users", order: "id", serial: true,
		cols: cols("id:int name pass_hash admin:bool created_at:int see_personal_groups:bool disabled:bool")},
	{name: "tokens", order: "id", serial: true,
		cols: cols("id:int user_id:int name hash:blob created_at:int")},
	{name: "logins", order: "hash",
		cols: cols("hash:blob user_id:int csrf expires_at:int")},
	{name: "team_members", order: "team, user_id",
		cols: cols("team user_id:int")},
	{name: "sessions", order: "id",
		cols: cols("id code technician_id:int customer_name customer_email password_hash security_hash:blob " +
			"status live:bool created_at:int expires_at:int downloaded_at:int activated_at:int ended_at:int " +
			"email_sent_at:int identity:blob computer host platform remote_addr last_online:int " +
			"online_since:int failed_codes:int locked:bool jump_client_id reboot_started_at:int reboot_safe_mode:bool")},
	{name: "installers", order: "id",
		cols: cols("id key_hash:blob platform jump_group tag comments mode created_by:int created_at:int " +
			"expires_at:int passive:bool pin_session pin_name package")},
	{name: "jump_clients", order: "id",
		cols: cols("id identity:blob installer_id name jump_group tag comments mode host public_ip version " +
			"disabled:bool removed:bool created_at:int last_seen:int passive:bool uninstalled:bool")},
	{name: "audit", order: "id", serial: true,
		cols: cols("id:int at:int event session_id jump_client_id actor remote_addr detail")},
	{name: "chat_messages", order: "id", serial: true,
		cols: cols("id:int session_id sender name text at:int")},
}

// cols parses "name[:kind] …"; the kind defaults to text.
func cols(spec string) []copyColumn {
	var out []copyColumn
	for _, f := range strings.Fields(spec) {
		name, kind, _ := strings.Cut(f, ":")
		c := copyColumn{name: name}
		switch kind {
		case "":
		case "int":
			c.kind = kindInt
		case "bool":
			c.kind = kindBool
		case "blob":
			c.kind = kindBlob
		default:
			panic("store: column kind " + kind)
		}
		out = append(out, c)
	}
	return out
}

func (t *copyTable) names() string {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

func (t *copyTable) selectSQL() string {
	return "SELECT " + t.names() + " FROM " + t.name + " ORDER BY " + t.order
}

// insertSQL builds the INSERT with the backend's placeholder for the i-th
// (0-based) argument.
func (t *copyTable) insertSQL(placeholder func(i int) string) string {
	ph := make([]string, len(t.cols))
	for i := range ph {
		ph[i] = placeholder(i)
	}
	return "INSERT INTO " + t.name + "(" + t.names() + ") VALUES(" + strings.Join(ph, ", ") + ")"
}

// scanDest returns pointers of the column kinds' Go types, which both
// drivers scan into (database/sql turns SQLite's 0/1 into bool).
func (t *copyTable) scanDest() []any {
	dest := make([]any, len(t.cols))
	for i, c := range t.cols {
		switch c.kind {
		case kindText:
			dest[i] = new(string)
		case kindInt:
			dest[i] = new(int64)
		case kindBool:
			dest[i] = new(bool)
		case kindBlob:
			dest[i] = new([]byte)
		}
	}
	return dest
}

// values dereferences scanDest's pointers into insert arguments.
func values(dest []any) []any {
	row := make([]any, len(dest))
	for i, d := range dest {
		switch d := d.(type) {
		case *string:
			row[i] = *d
		case *int64:
			row[i] = *d
		case *bool:
			row[i] = *d
		case *[]byte:
			row[i] = *d
		}
	}
	return row
}

// checkCounts compares the target's rows with the rows read.
func checkCounts(got, want Counts) error {
	for _, t := range copyTables {
		if got[t.name] != want[t.name] {
			return fmt.Errorf("table %s: %d rows written, %d read", t.name, got[t.name], want[t.name])
		}
	}
	return nil
}

// countTables counts each table's rows, count running a query.
func countTables(count func(query string) (int, error)) (Counts, error) {
	c := Counts{}
	for _, t := range copyTables {
		n, err := count(`SELECT count(*) FROM ` + t.name)
		if err != nil {
			return nil, fmt.Errorf("count %s: %w", t.name, err)
		}
		c[t.name] = n
	}
	return c, nil
}

func requireEmpty(c Counts) error {
	for _, t := range copyTables {
		if c[t.name] > 0 {
			return fmt.Errorf("%w: table %s has %d rows", ErrTargetNotEmpty, t.name, c[t.name])
		}
	}
	return nil
}

// Tables lists the table names in copy order, for printing Counts.
func (c Counts) Tables() []string {
	names := make([]string, len(copyTables))
	for i, t := range copyTables {
		names[i] = t.name
	}
	return names
}
