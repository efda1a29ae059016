package store

import (
	"context"
	"fmt"
)

// CreateInstaller inserts an installer.
func (s *SQLite) CreateInstaller(ctx context.Context, in *Installer) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO installers(id, key_hash, platform, jump_group, tag, comments, mode,
		created_by, created_at, expires_at) VALUES(?,?,?,?,?,?,?,?,?,?)`,
		in.ID, in.KeyHash, in.Platform, in.JumpGroup, in.Tag, in.Comments, in.Mode, in.CreatedBy,
		ts(in.CreatedAt), ts(in.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create installer: %w", err)
	}
	return nil
}

// Installer reads one installer.
func (s *SQLite) Installer(ctx context.Context, id string) (*Installer, error) {
	var in Installer
	var created, expires int64
	err := s.db.QueryRowContext(ctx, `SELECT id, key_hash, platform, jump_group, tag, comments, mode, created_by,
		created_at, expires_at FROM installers WHERE id = ?`, id).Scan(&in.ID, &in.KeyHash, &in.Platform,
		&in.JumpGroup, &in.Tag, &in.Comments, &in.Mode, &in.CreatedBy, &created, &expires)
	if err != nil {
		return nil, notFound(err)
	}
	in.CreatedAt, in.ExpiresAt = tm(created), tm(expires)
	return &in, nil
}
