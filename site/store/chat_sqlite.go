package store

import (
	"context"
	"fmt"
)

// AddChat stores a chat message.
func (s *SQLite) AddChat(ctx context.Context, m *ChatMessage) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO chat_messages(session_id, sender, name, text, at) VALUES(?,?,?,?,?)`,
		m.SessionID, m.From, m.Name, m.Text, ts(m.At))
	if err != nil {
		return fmt.Errorf("add chat: %w", err)
	}
	m.ID, err = res.LastInsertId()
	return err
}

// Chat lists a session's messages after since.
func (s *SQLite) Chat(ctx context.Context, sessionID string, since int64, limit int) ([]ChatMessage, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, session_id, sender, name, text, at FROM chat_messages
		WHERE session_id = ? AND id > ? ORDER BY id LIMIT ?`, sessionID, since, limit)
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	defer rows.Close()
	return scanAll("chat", rows, scanChat)
}
