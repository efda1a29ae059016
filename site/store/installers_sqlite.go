package store

import (
	"context"
	"fmt"
)

// CreateInstaller inserts an installer.
func (s *SQLite) CreateInstaller(ctx context.Context, in *Installer) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO installers(id, key_hash, platform, jump_group, tag, comments, mode,
		created_by, created_at, expires_at, passive, pin_session, pin_name, package) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		in.ID, in.KeyHash, in.Platform, in.JumpGroup, in.Tag, in.Comments, in.Mode, in.CreatedBy,
		ts(in.CreatedAt), ts(in.ExpiresAt), in.Passive, in.PinSession, in.PinName, in.Package)
	if err != nil {
		return fmt.Errorf("create installer: %w", err)
	}
	return nil
}

const installerCols = `id, key_hash, platform, jump_group, tag, comments, mode, created_by, created_at,
	expires_at, passive, pin_session, pin_name, package`

func scanInstaller(row rowScanner) (*Installer, error) {
	var in Installer
	var created, expires int64
	err := row.Scan(&in.ID, &in.KeyHash, &in.Platform, &in.JumpGroup, &in.Tag, &in.Comments, &in.Mode,
		&in.CreatedBy, &created, &expires, &in.Passive, &in.PinSession, &in.PinName, &in.Package)
	if err != nil {
		return nil, notFound(err)
	}
	in.CreatedAt, in.ExpiresAt = tm(created), tm(expires)
	return &in, nil
}

// Installer reads one installer.
func (s *SQLite) Installer(ctx context.Context, id string) (*Installer, error) {
	return scanInstaller(s.db.QueryRowContext(ctx, `SELECT `+installerCols+` FROM installers WHERE id = ?`, id))
}

// PinInstaller returns the newest pin installer made for a session.
func (s *SQLite) PinInstaller(ctx context.Context, sessionID string) (*Installer, error) {
	return scanInstaller(s.db.QueryRowContext(ctx, `SELECT `+installerCols+` FROM installers
		WHERE pin_session = ? ORDER BY created_at DESC, id DESC LIMIT 1`, sessionID))
}

// InstallerJumpClients lists the jump clients (removed ones too) enrolled
// with an installer.
func (s *SQLite) InstallerJumpClients(ctx context.Context, installerID string) ([]string, error) {
	return s.ids(ctx, `SELECT id FROM jump_clients WHERE installer_id = ? ORDER BY created_at, id`, installerID)
}

// SetUserAccess replaces a user's teams and personal-group permission.
func (s *SQLite) SetUserAccess(ctx context.Context, userID int64, teams []string, seePersonal bool) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set user access: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE users SET see_personal_groups = ? WHERE id = ?`, seePersonal, userID); err != nil {
		return fmt.Errorf("set user access: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("set user teams: %w", err)
	}
	for _, t := range teams {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO team_members(team, user_id) VALUES(?, ?)`, t, userID); err != nil {
			return fmt.Errorf("set user teams: %w", err)
		}
	}
	return tx.Commit()
}

// Teams lists every team with its members' names.
func (s *SQLite) Teams(ctx context.Context) (map[string][]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.team, u.name FROM team_members m JOIN users u ON u.id = m.user_id
		ORDER BY m.team, u.name`)
	if err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	defer rows.Close()
	teams := map[string][]string{}
	for rows.Next() {
		var team, name string
		if err := rows.Scan(&team, &name); err != nil {
			return nil, err
		}
		teams[team] = append(teams[team], name)
	}
	return teams, rows.Err()
}
