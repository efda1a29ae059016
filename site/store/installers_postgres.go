package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// CreateInstaller inserts an installer.
func (p *Postgres) CreateInstaller(ctx context.Context, in *Installer) error {
	_, err := p.pool.Exec(ctx, `INSERT INTO installers(id, key_hash, platform, jump_group, tag, comments, mode,
		created_by, created_at, expires_at, passive, pin_session, pin_name, package)
		VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
		in.ID, in.KeyHash, in.Platform, in.JumpGroup, in.Tag, in.Comments, in.Mode, in.CreatedBy,
		ts(in.CreatedAt), ts(in.ExpiresAt), in.Passive, in.PinSession, in.PinName, in.Package)
	if err != nil {
		return fmt.Errorf("create installer: %w", err)
	}
	return nil
}

// Installer reads one installer.
func (p *Postgres) Installer(ctx context.Context, id string) (*Installer, error) {
	return scanInstaller(p.pool.QueryRow(ctx, `SELECT `+installerCols+` FROM installers WHERE id = $1`, id))
}

// PinInstaller returns the newest pin installer made for a session.
func (p *Postgres) PinInstaller(ctx context.Context, sessionID string) (*Installer, error) {
	return scanInstaller(p.pool.QueryRow(ctx, `SELECT `+installerCols+` FROM installers
		WHERE pin_session = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, sessionID))
}

// InstallerJumpClients lists the jump clients (removed ones too) enrolled
// with an installer.
func (p *Postgres) InstallerJumpClients(ctx context.Context, installerID string) ([]string, error) {
	return p.ids(ctx, `SELECT id FROM jump_clients WHERE installer_id = $1 ORDER BY created_at, id`, installerID)
}

// SetUserAccess replaces a user's teams and personal-group permission.
func (p *Postgres) SetUserAccess(ctx context.Context, userID int64, teams []string, seePersonal bool) error {
	err := pgx.BeginTxFunc(ctx, p.pool, readCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET see_personal_groups = $1 WHERE id = $2`, seePersonal, userID); err != nil {
			return fmt.Errorf("set user access: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM team_members WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("set user teams: %w", err)
		}
		for _, t := range teams {
			if _, err := tx.Exec(ctx, `INSERT INTO team_members(team, user_id) VALUES($1, $2) ON CONFLICT DO NOTHING`,
				t, userID); err != nil {
				return fmt.Errorf("set user teams: %w", err)
			}
		}
		return nil
	})
	return err
}

// Teams lists every team with its members' names.
func (p *Postgres) Teams(ctx context.Context) (map[string][]string, error) {
	rows, err := p.pool.Query(ctx, `SELECT m.team, u.name FROM team_members m JOIN users u ON u.id = m.user_id
		ORDER BY m.team, u.name`)
	if err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	defer rows.Close()
	teams := map[string][]string{}
	for rows.Next() {
		var team, name string
		if err := rows.Scan(&team, &name); err != nil {
			return nil, fmt.Errorf("teams: %w", err)
		}
		teams[team] = append(teams[team], name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	return teams, nil
}
