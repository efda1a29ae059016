package store

import (
	"context"
	"fmt"
)

// AddChat stores a chat message.
func (p *Postgres) AddChat(ctx context.Context, m *ChatMessage) error {
	err := p.pool.QueryRow(ctx, `INSERT INTO chat_messages(session_id, sender, name, text, at) VALUES($1,$2,$3,$4,$5) RETURNING id`,
		m.SessionID, m.From, m.Name, m.Text, ts(m.At)).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("add chat: %w", err)
	}
	return nil
}

// Chat lists a session's messages after since.
func (p *Postgres) Chat(ctx context.Context, sessionID string, since int64, limit int) ([]ChatMessage, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := p.pool.Query(ctx, `SELECT id, session_id, sender, name, text, at FROM chat_messages
		WHERE session_id = $1 AND id > $2 ORDER BY id LIMIT $3`, sessionID, since, limit)
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	defer rows.Close()
	return scanAll("chat", rows, scanChat)
}
