package site

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tetherhq/tether/site/store"
)

// A backup is one tar.gz (mode 0600: it holds the site's private keys)
// with a manifest, the data dir's keys and, for a SQLite site, a
// consistent snapshot of the database. Everything lies flat at the top of
// the archive; restore accepts exactly these names and nothing else.
const manifestName = "tether-backup.json"

// keyFiles are the data dir's secrets a site cannot be rebuilt without:
// the signing key (agents trust downloads and updates it signed), the
// security-code secret (codes of open sessions) and the self-signed
// certificate (its SPKI pin is embedded in every agent downloaded).
var keyFiles = []struct {
	name     string
	required bool
}{
	{"site.key", true},
	{"codes.secret", true},
	{"tls.crt", false}, // absent when --tls-cert/--tls-key point elsewhere
	{"tls.key", false},
}

// maxKeyFile bounds a key file read from an archive.
const maxKeyFile = 1 << 20

// Manifest describes a backup.
type Manifest struct {
	Format    int       `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	Version   string    `json:"version"`  // tether-site build that wrote it
	Database  string    `json:"database"` // "sqlite" (in the archive) or "postgres" (pg_dump it)
	Files     []string  `json:"files"`
	// Rows are the snapshot's row counts (SQLite).
	Rows store.Counts `json:"rows,omitempty"`
}

// Backup writes a backup of the site whose keys are in dataDir and whose
// database is dbURL to file (replaced atomically). A SQLite database is
// snapshotted with VACUUM INTO, so the site may keep running; a PostgreSQL
// one is left to pg_dump (the manifest says so) and only the keys are
// archived.
func Backup(ctx context.Context, dataDir, dbURL, file, version string) (*Manifest, error) {
	m := &Manifest{Format: 1, CreatedAt: time.Now().UTC(), Version: version, Database: "postgres"}
	tmp, err := os.MkdirTemp(filepath.Dir(file), ".tether-backup-")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	var snapshot string
	if !store.IsPostgres(dbURL) {
		dir, err := store.SQLiteDir(dbURL)
		if err != nil {
			return nil, err
		}
		snapshot = filepath.Join(tmp, store.SQLiteFile)
		if err := store.SnapshotSQLite(ctx, filepath.Join(dir, store.SQLiteFile), snapshot); err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		if m.Rows, err = snapshotRows(ctx, snapshot); err != nil {
			return nil, err
		}
		m.Database = "sqlite"
	}
	out, err := os.OpenFile(filepath.Join(tmp, "backup.tar.gz"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer out.Close()
	if err := writeArchive(out, m, dataDir, snapshot); err != nil {
		return nil, err
	}
	if err := out.Sync(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := out.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(out.Name(), file); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// snapshotRows counts the snapshot's rows (opened as a store, it is also
// proven readable) and removes the WAL files that opening left.
func snapshotRows(ctx context.Context, path string) (store.Counts, error) {
	st, err := store.OpenSQLite(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("backup: read the snapshot: %w", err)
	}
	rows, err := store.Rows(ctx, st)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	if err != nil {
		return nil, fmt.Errorf("backup: count the snapshot: %w", err)
	}
	return rows, nil
}

func writeArchive(w io.Writer, m *Manifest, dataDir, snapshot string) error {
	type entry struct{ name, path string }
	var files []entry
	for _, k := range keyFiles {
		p := filepath.Join(dataDir, k.name)
		if _, err := os.Stat(p); err != nil {
			if k.required || !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("backup: %w", err)
			}
			continue
		}
		files = append(files, entry{k.name, p})
	}
	if snapshot != "" {
		files = append(files, entry{store.SQLiteFile, snapshot})
	}
	for _, f := range files {
		m.Files = append(m.Files, f.name)
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	hdr := func(name string, size int64) *tar.Header {
		return &tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: m.CreatedAt, Typeflag: tar.TypeReg}
	}
	if err := tw.WriteHeader(hdr(manifestName, int64(len(manifest)))); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := tw.Write(manifest); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	for _, f := range files {
		if err := addFile(tw, hdr, f.name, f.path); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

func addFile(tw *tar.Writer, hdr func(string, int64) *tar.Header, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := tw.WriteHeader(hdr(name, fi.Size())); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	return nil
}
