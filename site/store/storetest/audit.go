package storetest

import (
	"testing"

	"github.com/tetherhq/tether/site/store"
)

func testAudit(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.AuditLog(ctx, store.AuditQuery{})
	must(t, err)
	equal(t, "AuditLog of an empty store", got, []store.AuditEntry(nil))

	// Entries come back in the order written (ID), not by time.
	var all []store.AuditEntry
	for i, e := range []store.AuditEntry{
		{At: at(10), Event: "session.create", SessionID: "s1", Actor: "tech", RemoteAddr: "192.0.2.1", Detail: "code 123456"},
		{At: at(30), Event: "session.connect", SessionID: "s1", Actor: "agent"},
		{At: at(20), Event: "jump.enrol", JumpClient: "j1", Actor: "installer i1", Detail: `{"host":"pc"}`},
		{At: at(40), Event: "session.create", SessionID: "s2", Actor: "tech"},
		{At: at(50), Event: "session.end", SessionID: "s1", Actor: "tech", Detail: "closed"},
	} {
		must(t, s.Audit(ctx, &e))
		if e.ID <= 0 || (i > 0 && e.ID <= all[i-1].ID) {
			t.Fatalf("audit IDs not increasing: %d after %v", e.ID, all)
		}
		all = append(all, e)
	}
	pick := func(idx ...int) []store.AuditEntry {
		var out []store.AuditEntry
		for _, i := range idx {
			out = append(out, all[i])
		}
		return out
	}
	for _, c := range []struct {
		name string
		q    store.AuditQuery
		want []store.AuditEntry
	}{
		{"all", store.AuditQuery{}, all},
		{"session", store.AuditQuery{SessionID: "s1"}, pick(0, 1, 4)},
		{"since (inclusive)", store.AuditQuery{Since: at(30)}, pick(1, 3, 4)},
		{"session and since", store.AuditQuery{SessionID: "s1", Since: at(11)}, pick(1, 4)},
		{"limit keeps the first", store.AuditQuery{Limit: 2}, pick(0, 1)},
		{"limit with session", store.AuditQuery{SessionID: "s1", Limit: 2}, pick(0, 1)},
		{"negative limit means the default", store.AuditQuery{Limit: -1}, all},
		{"no match", store.AuditQuery{SessionID: "s9"}, nil},
	} {
		got, err := s.AuditLog(ctx, c.q)
		must(t, err)
		equal(t, "AuditLog "+c.name, got, c.want)
	}
}
