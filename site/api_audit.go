package site

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// The audit log (D5) through the API and the console's audit page:
// filters, pages by ID, and a CSV export of everything that matches.

// auditQuery reads the filters of GET /audit.
func auditQuery(r *http.Request) (store.AuditQuery, error) {
	v := r.URL.Query()
	q := store.AuditQuery{SessionID: v.Get("session"), Technician: v.Get("technician"), JumpClient: v.Get("jump_client")}
	for name, t := range map[string]*time.Time{"since": &q.Since, "until": &q.Until} {
		if s := v.Get(name); s != "" {
			var err error
			// The store keeps nanoseconds since 1970 in 64 bits: years
			// past 2262 would wrap around.
			if *t, err = time.Parse(time.RFC3339, s); err != nil || t.Year() < 1970 || t.Year() > 2200 {
				return q, wire.Errorf(wire.BadRequest, "%s must be an RFC 3339 time between 1970 and 2200.", name)
			}
		}
	}
	for _, e := range v["event"] {
		for e := range strings.SplitSeq(e, ",") {
			if e = strings.TrimSpace(e); e != "" {
				q.Events = append(q.Events, e)
			}
		}
	}
	if len(q.Events) > 100 {
		return q, wire.Errorf(wire.BadRequest, "at most 100 events.")
	}
	if s := v.Get("after"); s != "" {
		var err error
		if q.AfterID, err = strconv.ParseInt(s, 10, 64); err != nil || q.AfterID < 0 {
			return q, wire.Errorf(wire.BadRequest, "after must be an audit entry id.")
		}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 5000 {
			return q, wire.Errorf(wire.BadRequest, "limit must be 1–5000.")
		}
		q.Limit = n
	}
	return q, nil
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, a *authed) {
	q, err := auditQuery(r)
	if err == nil && q.SessionID != "" {
		_, err = s.ownSession(r.Context(), a, q.SessionID)
	} else if err == nil && !a.user.Admin {
		err = wire.Errorf(wire.Forbidden, "Only admins can read the whole audit log; pass ?session=ID.")
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		s.auditCSV(w, r, a, q)
		return
	}
	q.Limit = cmp.Or(q.Limit, 1000)
	entries, err := s.store.AuditLog(r.Context(), q)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	out := map[string]any{"items": entries}
	if entries == nil {
		out["items"] = []store.AuditEntry{}
	}
	if len(entries) == q.Limit { // maybe more: ?after=next is the next page
		out["next"] = entries[len(entries)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

// maxCSVRows bounds one export; narrow the filters for more.
const maxCSVRows = 1_000_000

// auditCSV writes every matching entry as CSV, page by page (no more than
// one page in memory). The export itself is audited.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request, a *authed, q store.AuditQuery) {
	s.audit(r.Context(), "audit_exported", q.SessionID, a.user.Name, remoteAddr(r), r.URL.RawQuery)
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="tether-audit-%s.csv"`, s.clock.Now().UTC().Format("20060102-150405")))
	h.Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "at", "event", "session_id", "jump_client_id", "actor", "remote_addr", "detail"})
	q.Limit = 5000
	for rows := 0; rows < maxCSVRows; {
		page, err := s.store.AuditLog(r.Context(), q)
		if err != nil {
			s.log.Warn("audit export", "err", err)
			panic(http.ErrAbortHandler) // the status is out: cut the body short
		}
		for _, e := range page {
			cw.Write(csvRow(e))
		}
		rows += len(page)
		if len(page) < q.Limit {
			break
		}
		q.AfterID = page[len(page)-1].ID
	}
	cw.Flush()
}

func csvRow(e store.AuditEntry) []string {
	row := []string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), e.Event, e.SessionID,
		e.JumpClient, e.Actor, e.RemoteAddr, e.Detail}
	for i := range row {
		row[i] = csvSafe(row[i])
	}
	return row
}

// csvSafe keeps a spreadsheet from running a cell as a formula: audit
// details carry text from customers and agents (chat lengths, computer
// and file names), so a cell that starts with = + - @ (or a tab or CR,
// which some spreadsheets skip before one) gets a leading quote.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
