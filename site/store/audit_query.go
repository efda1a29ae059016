package store

import (
	"fmt"
	"strings"
)

// auditWhere is the WHERE clause of an AuditQuery and its arguments, the
// same SQL for both backends; placeholder writes the n-th (1-based)
// argument's marker (SQLite "?", PostgreSQL "$n").
func auditWhere(q AuditQuery, placeholder func(n int) string) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return placeholder(len(args))
	}
	conds = append(conds, "at >= "+arg(ts(q.Since)))
	if q.SessionID != "" {
		conds = append(conds, "session_id = "+arg(q.SessionID))
	}
	if !q.Until.IsZero() {
		conds = append(conds, "at < "+arg(ts(q.Until)))
	}
	if len(q.Events) > 0 {
		marks := make([]string, len(q.Events))
		for i, e := range q.Events {
			marks[i] = arg(e)
		}
		conds = append(conds, "event IN ("+strings.Join(marks, ", ")+")")
	}
	if q.Technician != "" {
		conds = append(conds, fmt.Sprintf("(actor = %s OR session_id IN (SELECT s.id FROM sessions s JOIN users u ON u.id = s.technician_id WHERE u.name = %s))",
			arg(q.Technician), arg(q.Technician)))
	}
	if q.JumpClient != "" {
		conds = append(conds, fmt.Sprintf("(jump_client_id = %s OR session_id IN (SELECT id FROM sessions WHERE jump_client_id = %s))",
			arg(q.JumpClient), arg(q.JumpClient)))
	}
	if q.AfterID > 0 {
		conds = append(conds, "id > "+arg(q.AfterID))
	}
	return strings.Join(conds, " AND "), args
}

// auditLimit applies AuditQuery.Limit's default and bound.
func auditLimit(n int) int {
	if n <= 0 || n > 5000 {
		return 1000
	}
	return n
}
