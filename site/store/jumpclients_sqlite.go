package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

const jcCols = `id, identity, installer_id, name, jump_group, tag, comments, mode, host, public_ip, version,
	disabled, removed, created_at, last_seen, passive, uninstalled`

func scanJumpClient(row rowScanner) (*JumpClient, error) {
	var jc JumpClient
	var host string
	var created, seen int64
	err := row.Scan(&jc.ID, &jc.Identity, &jc.InstallerID, &jc.Name, &jc.JumpGroup, &jc.Tag, &jc.Comments,
		&jc.Mode, &host, &jc.PublicIP, &jc.Version, &jc.Disabled, &jc.Removed, &created, &seen,
		&jc.Passive, &jc.Uninstalled)
	if err != nil {
		return nil, notFound(err)
	}
	jc.CreatedAt, jc.LastSeen = tm(created), tm(seen)
	if err := json.Unmarshal([]byte(host), &jc.Host); err != nil {
		return nil, fmt.Errorf("jump client %s host: %w", jc.ID, err)
	}
	return &jc, nil
}

// CreateJumpClient inserts an enrolled jump client; an identity enrols once.
func (s *SQLite) CreateJumpClient(ctx context.Context, jc *JumpClient) error {
	host, _ := json.Marshal(jc.Host)
	_, err := s.db.ExecContext(ctx, `INSERT INTO jump_clients(id, identity, installer_id, name, jump_group, tag,
		comments, mode, host, public_ip, version, created_at, last_seen, passive) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		jc.ID, jc.Identity, jc.InstallerID, jc.Name, jc.JumpGroup, jc.Tag, jc.Comments, jc.Mode, string(host),
		jc.PublicIP, jc.Version, ts(jc.CreatedAt), ts(jc.LastSeen), jc.Passive)
	if isUnique(err) {
		return fmt.Errorf("jump client identity: %w", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create jump client: %w", err)
	}
	return nil
}

// JumpClient reads one jump client (removed ones too).
func (s *SQLite) JumpClient(ctx context.Context, id string) (*JumpClient, error) {
	return scanJumpClient(s.db.QueryRowContext(ctx, `SELECT `+jcCols+` FROM jump_clients WHERE id = ?`, id))
}

// ListJumpClients lists the jump clients not removed, by name.
func (s *SQLite) ListJumpClients(ctx context.Context) ([]*JumpClient, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+jcCols+` FROM jump_clients WHERE removed = 0 ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list jump clients: %w", err)
	}
	defer rows.Close()
	return scanAll("list jump clients", rows, scanJumpClient)
}

// UpdateJumpClient reads, mutates and writes a jump client in one transaction.
func (s *SQLite) UpdateJumpClient(ctx context.Context, id string, fn func(*JumpClient) error) (*JumpClient, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("update jump client: %w", err)
	}
	defer tx.Rollback()
	jc, err := scanJumpClient(tx.QueryRowContext(ctx, `SELECT `+jcCols+` FROM jump_clients WHERE id = ?`, id))
	if err != nil {
		return nil, err
	}
	if err := fn(jc); err != nil {
		return nil, err
	}
	host, _ := json.Marshal(jc.Host)
	_, err = tx.ExecContext(ctx, `UPDATE jump_clients SET name=?, jump_group=?, tag=?, comments=?, host=?,
		public_ip=?, version=?, disabled=?, removed=?, last_seen=?, passive=?, uninstalled=? WHERE id=?`,
		jc.Name, jc.JumpGroup, jc.Tag, jc.Comments, string(host), jc.PublicIP, jc.Version, jc.Disabled,
		jc.Removed, ts(jc.LastSeen), jc.Passive, jc.Uninstalled, id)
	if err != nil {
		return nil, fmt.Errorf("write jump client: %w", err)
	}
	return jc, tx.Commit()
}

// CountJumpClients counts the deployed (not removed) jump clients.
func (s *SQLite) CountJumpClients(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM jump_clients WHERE removed = 0`).Scan(&n)
	return n, err
}

// CountActiveJumpClients counts the deployed jump clients that stay
// connected (not passive).
func (s *SQLite) CountActiveJumpClients(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM jump_clients WHERE removed = 0 AND passive = 0`).Scan(&n)
	return n, err
}

// StaleJumpClients lists jump clients last seen before the given time.
func (s *SQLite) StaleJumpClients(ctx context.Context, before time.Time) ([]string, error) {
	return s.ids(ctx, `SELECT id FROM jump_clients WHERE removed = 0 AND last_seen < ?`, ts(before))
}
