package site_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// TestAuditFilters: GET /audit's filters, its pages, and who may read it.
func TestAuditFilters(t *testing.T) {
	s := sitetest.Start(t, nil)
	admin := s.AddTechnician("boss", true)
	other := s.AddTechnician("other", false)
	mine := s.CreateSession(nil) // "created" by tech
	st := s.Server.Store()
	base := s.Clock.Now()
	for i, e := range []store.AuditEntry{
		{Event: "connected", SessionID: mine.ID, Actor: "tech"},
		{Event: "chat", SessionID: mine.ID, Actor: "customer"},
		{Event: "enrolled", JumpClient: "jc9", Actor: "installer"},
		{Event: "chat", SessionID: "elsewhere", Actor: "other"},
	} {
		e.At = base.Add(time.Duration(i+1) * time.Minute)
		if err := st.Audit(t.Context(), &e); err != nil {
			t.Fatal(err)
		}
	}
	at := func(m int) string { return base.Add(time.Duration(m) * time.Minute).Format(time.RFC3339) }
	for _, tc := range []struct {
		query string
		want  []string // events in order
	}{
		{"technician=tech", []string{"created", "connected", "chat"}},
		{"technician=other", []string{"chat"}},
		{"event=chat", []string{"chat", "chat"}},
		{"event=chat,enrolled&session=" + mine.ID, []string{"chat"}},
		{"jump_client=jc9", []string{"enrolled"}},
		{"since=" + at(2) + "&until=" + at(4), []string{"chat", "enrolled"}},
		{"technician=nobody", nil},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var a auditItems
			if code := s.Do(admin, "GET", "/api/v1/audit?"+tc.query, nil, &a); code != 200 {
				t.Fatalf("%d", code)
			}
			var got []string
			for _, e := range a.Items {
				got = append(got, e.Event)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	// Pages: limit, then after=next.
	var p1, p2 auditItems
	s.Do(admin, "GET", "/api/v1/audit?limit=2", nil, &p1)
	s.Do(admin, "GET", fmt.Sprintf("/api/v1/audit?limit=2&after=%d", p1.Next), nil, &p2)
	if len(p1.Items) != 2 || p1.Next != p1.Items[1].ID || len(p2.Items) != 2 || p2.Items[0].ID <= p1.Next {
		t.Fatalf("pages %+v then %+v", p1, p2)
	}
	for _, tc := range []struct {
		token, query string
		status       int
		code         wire.Code
	}{
		{s.Token, "", 403, wire.Forbidden},                // a technician reads their sessions only
		{s.Token, "session=" + mine.ID, 200, ""},          // such as this one
		{other, "session=" + mine.ID, 404, wire.NotFound}, // not someone else's
		{admin, "since=yesterday", 400, wire.BadRequest},
		{admin, "until=2999-01-01T00:00:00Z", 400, wire.BadRequest}, // past the store's nanoseconds
		{admin, "limit=0", 400, wire.BadRequest},
		{admin, "after=-1", 400, wire.BadRequest},
	} {
		var eb sitetest.ErrorBody
		if code := s.Do(tc.token, "GET", "/api/v1/audit?"+tc.query, nil, &eb); code != tc.status || (tc.code != "" && eb.Error.Code != string(tc.code)) {
			t.Errorf("%q: %d %+v", tc.query, code, eb)
		}
	}
}

// TestAuditCSV: the export has every matching entry across pages, is
// valid CSV whatever the details hold, never lets a spreadsheet run a
// cell as a formula, and is itself audited.
func TestAuditCSV(t *testing.T) {
	s := sitetest.Start(t, nil)
	admin := s.AddTechnician("boss", true)
	st := s.Server.Store()
	details := []string{`=HYPERLINK("http://evil","x")`, "+1", "-2+3", "@SUM(A1)", "\tTAB", "a, \"quoted\"\nline", "plain"}
	for i, d := range details {
		if err := st.Audit(t.Context(), &store.AuditEntry{At: s.Clock.Now(), Event: "probe", Actor: "x", Detail: d, SessionID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	const bulk = 5100 // more than one page of the export
	for i := range bulk {
		st.Audit(t.Context(), &store.AuditEntry{At: s.Clock.Now(), Event: "bulk", Actor: "y", Detail: fmt.Sprint(i)})
	}
	code, hdr, body := getRaw(t, s, admin, "/api/v1/audit?event=probe,bulk&format=csv")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", code, hdr)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(details)+bulk || strings.Join(rows[0], ",") != "id,at,event,session_id,jump_client_id,actor,remote_addr,detail" {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	want := []string{`'=HYPERLINK("http://evil","x")`, "'+1", "'-2+3", "'@SUM(A1)", "'\tTAB", "a, \"quoted\"\nline", "plain"}
	for i, w := range want {
		if got := rows[1+i][7]; got != w {
			t.Errorf("detail %d: %q, want %q", i, got, w)
		}
	}
	if last := rows[len(rows)-1]; last[7] != fmt.Sprint(bulk-1) {
		t.Fatalf("last row %v", last)
	}
	var a auditItems
	s.Do(admin, "GET", "/api/v1/audit?event=audit_exported", nil, &a)
	if len(a.Items) != 1 || a.Items[0].Actor != "boss" {
		t.Fatalf("audit_exported: %+v", a.Items)
	}
}
