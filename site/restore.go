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

	"github.com/tetherhq/tether/site/store"
)

// maxDatabase bounds the database file read from an archive (a gzip bomb
// must not fill the disk).
const maxDatabase = 64 << 30

// Restore unpacks a backup (Backup) into dataDir, which must not exist or
// be empty: restoring over a site's keys would orphan the agents that
// trust them. Only the archive's known names are written, each 0600 in a
// 0700 directory; a SQLite snapshot is integrity-checked and opened (so
// migrated to this build's schema) before Restore reports success. On
// failure the files written are removed again.
func Restore(ctx context.Context, file, dataDir string) (m *Manifest, err error) {
	if err := requireEmptyDir(dataDir); err != nil {
		return nil, err
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	var written []string
	defer func() {
		if err != nil {
			for _, p := range written {
				os.Remove(p)
			}
		}
	}()
	m, written, err = unpack(f, dataDir)
	if err != nil {
		return nil, err
	}
	if m.Database == "sqlite" {
		db := filepath.Join(dataDir, store.SQLiteFile)
		if err := store.CheckSQLite(ctx, db); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
		written = append(written, db+"-wal", db+"-shm")
		st, err := store.OpenSQLite(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
		m.Rows, err = store.Rows(ctx, st)
		st.Close()
		if err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
	}
	return m, nil
}

// requireEmptyDir accepts a missing or empty directory.
func requireEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("restore: %s is not empty: restore into a new data directory", dir)
	}
	return nil
}

// unpack writes the archive's files into dir and returns its manifest and
// the paths written.
func unpack(r io.Reader, dir string) (*Manifest, []string, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("restore: not a tether-site backup: %w", err)
	}
	allowed := map[string]int64{store.SQLiteFile: maxDatabase}
	for _, k := range keyFiles {
		allowed[k.name] = maxKeyFile
	}
	tr := tar.NewReader(zr)
	var m *Manifest
	var written []string
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, written, fmt.Errorf("restore: read archive: %w", err)
		}
		if h.Typeflag != tar.TypeReg || seen[h.Name] {
			return nil, written, fmt.Errorf("restore: unexpected entry %q in the archive", h.Name)
		}
		seen[h.Name] = true
		if h.Name == manifestName {
			if m, err = readManifest(tr); err != nil {
				return nil, written, err
			}
			continue
		}
		limit, ok := allowed[h.Name]
		if !ok || h.Size > limit {
			return nil, written, fmt.Errorf("restore: unexpected entry %q in the archive", h.Name)
		}
		p := filepath.Join(dir, h.Name)
		written = append(written, p)
		if err := writeExcl(p, io.LimitReader(tr, limit)); err != nil {
			return nil, written, err
		}
	}
	if m == nil || m.Format != 1 {
		return nil, written, errors.New("restore: the archive has no tether-site backup manifest (format 1)")
	}
	for _, k := range keyFiles {
		if k.required && !seen[k.name] {
			return nil, written, fmt.Errorf("restore: the archive has no %s", k.name)
		}
	}
	if m.Database == "sqlite" && !seen[store.SQLiteFile] {
		return nil, written, fmt.Errorf("restore: the archive has no %s", store.SQLiteFile)
	}
	return m, written, nil
}

func readManifest(r io.Reader) (*Manifest, error) {
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&m); err != nil {
		return nil, fmt.Errorf("restore: manifest: %w", err)
	}
	return &m, nil
}

func writeExcl(path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("restore %s: %w", filepath.Base(path), err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("restore %s: %w", filepath.Base(path), err)
	}
	return f.Close()
}
