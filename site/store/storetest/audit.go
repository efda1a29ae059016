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
	pick := func(idx ...int) []store.AuditEntry { return pickEntries(all, idx) }
	for _, c := range []auditCase{
		{"all", store.AuditQuery{}, all},
		{"session", store.AuditQuery{SessionID: "s1"}, pick(0, 1, 4)},
		{"since (inclusive)", store.AuditQuery{Since: at(30)}, pick(1, 3, 4)},
		{"session and since", store.AuditQuery{SessionID: "s1", Since: at(11)}, pick(1, 4)},
		{"limit keeps the first", store.AuditQuery{Limit: 2}, pick(0, 1)},
		{"limit with session", store.AuditQuery{SessionID: "s1", Limit: 2}, pick(0, 1)},
		{"negative limit means the default", store.AuditQuery{Limit: -1}, all},
		{"no match", store.AuditQuery{SessionID: "s9"}, nil},
		{"until (exclusive)", store.AuditQuery{Until: at(30)}, pick(0, 2)},
		{"since and until", store.AuditQuery{Since: at(20), Until: at(41)}, pick(1, 2, 3)},
		{"one event", store.AuditQuery{Events: []string{"session.create"}}, pick(0, 3)},
		{"events", store.AuditQuery{Events: []string{"session.end", "jump.enrol"}}, pick(2, 4)},
		{"after an ID", store.AuditQuery{AfterID: all[2].ID}, pick(3, 4)},
		{"after an ID with a limit", store.AuditQuery{AfterID: all[0].ID, Limit: 2}, pick(1, 2)},
		{"jump client's own entries", store.AuditQuery{JumpClient: "j1"}, pick(2)},
	} {
		got, err := s.AuditLog(ctx, c.q)
		must(t, err)
		equal(t, "AuditLog "+c.name, got, c.want)
	}
}

// testAuditByOwner: the technician and jump-client filters also find the
// entries of the technician's (or the client's) sessions, whoever wrote
// them, and a quote in a value stays a value.
func testAuditByOwner(t *testing.T, s store.Store) {
	ctx := t.Context()
	ann, bob := addUser(t, s, "ann"), addUser(t, s, "bob")
	createSession(t, s, newSession("sa", "111111", ann, at(1)))
	jb := newSession("sb", "222222", bob, at(2))
	jb.JumpClientID = "jc1"
	createSession(t, s, jb)
	var all []store.AuditEntry
	for _, e := range []store.AuditEntry{
		{At: at(10), Event: "created", SessionID: "sa", Actor: "ann"},
		{At: at(11), Event: "activated", SessionID: "sa", Actor: "customer"},
		{At: at(12), Event: "jump", SessionID: "sb", Actor: "bob"},
		{At: at(13), Event: "chat", SessionID: "sb", Actor: "customer"},
		{At: at(14), Event: "login", Actor: "ann"},
		{At: at(15), Event: "enrolled", JumpClient: "jc1", Actor: "installer"},
		{At: at(16), Event: "recording_viewed", SessionID: "sb", Actor: "ann"},
	} {
		must(t, s.Audit(ctx, &e))
		all = append(all, e)
	}
	pick := func(idx ...int) []store.AuditEntry { return pickEntries(all, idx) }
	for _, c := range []auditCase{
		{"technician: actor or session owner", store.AuditQuery{Technician: "ann"}, pick(0, 1, 4, 6)},
		{"other technician", store.AuditQuery{Technician: "bob"}, pick(2, 3, 6)},
		{"jump client and its sessions", store.AuditQuery{JumpClient: "jc1"}, pick(2, 3, 5, 6)},
		{"technician and event", store.AuditQuery{Technician: "bob", Events: []string{"chat"}}, pick(3)},
		{"quote", store.AuditQuery{Technician: "ann' OR '1'='1"}, nil},
	} {
		got, err := s.AuditLog(ctx, c.q)
		must(t, err)
		equal(t, "AuditLog "+c.name, got, c.want)
	}
}

type auditCase struct {
	name string
	q    store.AuditQuery
	want []store.AuditEntry
}

// pickEntries is the entries of all at idx, in that order.
func pickEntries(all []store.AuditEntry, idx []int) []store.AuditEntry {
	var out []store.AuditEntry
	for _, i := range idx {
		out = append(out, all[i])
	}
	return out
}
