package site

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/tetherhq/tether/site/store"
)

// DatabaseURL is the store URL a site or CLI command uses: database when
// given ("postgres://…" or "sqlite:DIR", see store.Open), else the SQLite
// database in dataDir (default ./tether-data).
func DatabaseURL(dataDir, database string) string {
	if database != "" {
		return database
	}
	if dataDir == "" {
		dataDir = "tether-data"
	}
	return "sqlite:" + filepath.Clean(dataDir)
}

// RedactURL hides the password of a database URL for logs and errors.
func RedactURL(raw string) string {
	if !strings.Contains(raw, "://") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable database URL)"
	}
	return u.Redacted()
}

// openStore opens a site's database without starting a site, for the CLI
// commands that work while the site runs (SQLite: WAL + busy timeout;
// PostgreSQL: any number of clients). Opening applies pending migrations
// and refuses a schema newer than this build (store.ErrSchemaTooNew).
func openStore(ctx context.Context, dbURL string) (store.Store, error) {
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", RedactURL(dbURL), err)
	}
	return st, nil
}

// Migrate copies the site in fromURL into the empty database at toURL
// (`tether-site migrate`); see store.Migrate. The site must be stopped.
func Migrate(ctx context.Context, fromURL, toURL string) (store.Counts, error) {
	if DatabaseURL("", fromURL) == DatabaseURL("", toURL) {
		return nil, fmt.Errorf("migrate: --from and --to are the same database")
	}
	c, err := store.Migrate(ctx, fromURL, toURL)
	if err != nil {
		return nil, fmt.Errorf("migrate %s to %s: %w", RedactURL(fromURL), RedactURL(toURL), err)
	}
	return c, nil
}
