package store

import "fmt"

// rowScanner is a row that can be read into values: *sql.Row(s),
// pgx.Row(s).
type rowScanner interface{ Scan(...any) error }

// rowSource is what *sql.Rows and pgx.Rows have in common.
type rowSource interface {
	rowScanner
	Next() bool
	Err() error
}

// scanAll reads every row of rows with scan; what names the query in its
// errors. Both backends' list queries end here.
func scanAll[T any](what string, rows rowSource, scan func(rowScanner) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// scanAudit reads one audit entry (the columns of auditCols).
func scanAudit(r rowScanner) (AuditEntry, error) {
	var e AuditEntry
	var at int64
	err := r.Scan(&e.ID, &at, &e.Event, &e.SessionID, &e.JumpClient, &e.Actor, &e.RemoteAddr, &e.Detail)
	e.At = tm(at)
	return e, err
}

// auditCols are the columns scanAudit reads.
const auditCols = `id, at, event, session_id, jump_client_id, actor, remote_addr, detail`

// scanChat reads one chat message (id, session_id, sender, name, text, at).
func scanChat(r rowScanner) (ChatMessage, error) {
	var m ChatMessage
	var at int64
	err := r.Scan(&m.ID, &m.SessionID, &m.From, &m.Name, &m.Text, &at)
	m.At = tm(at)
	return m, err
}
