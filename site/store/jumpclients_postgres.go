package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// CreateJumpClient inserts an enrolled jump client; an identity enrols once.
func (p *Postgres) CreateJumpClient(ctx context.Context, jc *JumpClient) error {
	host, _ := json.Marshal(jc.Host)
	_, err := p.pool.Exec(ctx, `INSERT INTO jump_clients(id, identity, installer_id, name, jump_group, tag,
		comments, mode, host, public_ip, version, created_at, last_seen, passive)
		VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
		jc.ID, jc.Identity, jc.InstallerID, jc.Name, jc.JumpGroup, jc.Tag, jc.Comments, jc.Mode, string(host),
		jc.PublicIP, jc.Version, ts(jc.CreatedAt), ts(jc.LastSeen), jc.Passive)
	if pgUnique(err) {
		return fmt.Errorf("jump client identity: %w", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create jump client: %w", err)
	}
	return nil
}

// JumpClient reads one jump client (removed ones too).
func (p *Postgres) JumpClient(ctx context.Context, id string) (*JumpClient, error) {
	return scanJumpClient(p.pool.QueryRow(ctx, `SELECT `+jcCols+` FROM jump_clients WHERE id = $1`, id))
}

// ListJumpClients lists the jump clients not removed, by name.
func (p *Postgres) ListJumpClients(ctx context.Context) ([]*JumpClient, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+jcCols+` FROM jump_clients WHERE NOT removed ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list jump clients: %w", err)
	}
	defer rows.Close()
	return scanAll("list jump clients", rows, scanJumpClient)
}

// UpdateJumpClient reads, mutates and writes a jump client in one
// transaction, the row locked FOR UPDATE in between (see UpdateSession).
func (p *Postgres) UpdateJumpClient(ctx context.Context, id string, fn func(*JumpClient) error) (*JumpClient, error) {
	tx, err := p.pool.BeginTx(ctx, readCommitted)
	if err != nil {
		return nil, fmt.Errorf("update jump client: %w", err)
	}
	defer tx.Rollback(ctx)
	jc, err := scanJumpClient(tx.QueryRow(ctx, `SELECT `+jcCols+` FROM jump_clients WHERE id = $1 FOR UPDATE`, id))
	if err != nil {
		return nil, err
	}
	if err := fn(jc); err != nil {
		return nil, err
	}
	host, _ := json.Marshal(jc.Host)
	_, err = tx.Exec(ctx, `UPDATE jump_clients SET name=$1, jump_group=$2, tag=$3, comments=$4, host=$5,
		public_ip=$6, version=$7, disabled=$8, removed=$9, last_seen=$10, passive=$11, uninstalled=$12 WHERE id=$13`,
		jc.Name, jc.JumpGroup, jc.Tag, jc.Comments, string(host), jc.PublicIP, jc.Version, jc.Disabled,
		jc.Removed, ts(jc.LastSeen), jc.Passive, jc.Uninstalled, id)
	if err != nil {
		return nil, fmt.Errorf("write jump client: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("update jump client: %w", err)
	}
	return jc, nil
}

// CountJumpClients counts the deployed (not removed) jump clients.
func (p *Postgres) CountJumpClients(ctx context.Context) (int, error) {
	var n int
	if err := p.pool.QueryRow(ctx, `SELECT count(*) FROM jump_clients WHERE NOT removed`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count jump clients: %w", err)
	}
	return n, nil
}

// CountActiveJumpClients counts the deployed jump clients that stay
// connected (not passive).
func (p *Postgres) CountActiveJumpClients(ctx context.Context) (int, error) {
	var n int
	if err := p.pool.QueryRow(ctx, `SELECT count(*) FROM jump_clients WHERE NOT removed AND NOT passive`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count active jump clients: %w", err)
	}
	return n, nil
}

// StaleJumpClients lists jump clients last seen before the given time.
func (p *Postgres) StaleJumpClients(ctx context.Context, before time.Time) ([]string, error) {
	return p.ids(ctx, `SELECT id FROM jump_clients WHERE NOT removed AND last_seen < $1`, ts(before))
}
