// Package storetest is the conformance suite every store.Store backend
// passes: the site must not be able to tell SQLite from PostgreSQL.
//
// To cover a new Store method, write a func(t *testing.T, s store.Store)
// in the file of its table group and add it to cases.
package storetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// cases are the conformance tests; each runs on a new, empty store.
var cases = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"Users", testUsers},
	{"Tokens", testTokens},
	{"Logins", testLogins},
	{"SetUserPassword", testSetUserPassword},
	{"SetUserDisabled", testSetUserDisabled},
	{"SetUserDisabledLastAdmin", testSetUserDisabledLastAdmin},
	{"SetUserDisabledConcurrent", testSetUserDisabledConcurrent},
	{"Access", testAccess},
	{"SessionCreateRead", testSessionCreateRead},
	{"SessionCodes", testSessionCodes},
	{"ListSessions", testListSessions},
	{"UpdateSession", testUpdateSession},
	{"UpdateSessionConcurrent", testUpdateSessionConcurrent},
	{"DueSessions", testDueSessions},
	{"RebootingSessions", testRebootingSessions},
	{"Limits", testLimits},
	{"LimitsConcurrentTechnician", testLimitsConcurrentTechnician},
	{"LimitsConcurrentSite", testLimitsConcurrentSite},
	{"LimitsConcurrentMixed", testLimitsConcurrentMixed},
	{"Installers", testInstallers},
	{"PinInstaller", testPinInstaller},
	{"JumpClients", testJumpClients},
	{"UpdateJumpClient", testUpdateJumpClient},
	{"StaleJumpClients", testStaleJumpClients},
	{"Audit", testAudit},
	{"AuditByOwner", testAuditByOwner},
	{"Chat", testChat},
	{"Ping", testPing},
	{"CountSessions", testCountSessions},
}

// RunConformance runs every case as a parallel subtest on a store from
// open, which must return a new, empty store for each call; the suite
// closes it.
func RunConformance(t *testing.T, open func(t *testing.T) store.Store) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			c.fn(t, s)
		})
	}
}

// at returns a UTC time n seconds after a fixed base, with nanoseconds, so
// tests catch a backend that rounds (timestamptz keeps microseconds) or
// returns another location.
func at(n int) time.Time {
	return time.Unix(1_760_000_000+int64(n), 123_456_789).UTC()
}

// addUser adds a user with all fields set.
func addUser(t *testing.T, s store.Store, name string) *store.User {
	t.Helper()
	u := &store.User{Name: name, PassHash: "$argon2id$" + name, CreatedAt: at(1)}
	if err := s.AddUser(t.Context(), u); err != nil {
		t.Fatalf("add user %s: %v", name, err)
	}
	return u
}

// newSession returns a session with every field CreateSession writes set.
func newSession(id, code string, tech *store.User, created time.Time) *store.Session {
	return &store.Session{
		ID: id, Code: code, TechnicianID: tech.ID, Technician: tech.Name,
		CustomerName: "Ada " + id, CustomerEmail: id + "@example.com", PasswordHash: "pw-" + id,
		SecurityHash: []byte("sec-" + id), Status: wire.StatusCreated,
		CreatedAt: created, ExpiresAt: created.Add(time.Hour),
		Host: wire.HostInfo{Hostname: "pc-" + id, OS: "windows", Arch: "amd64", BootTime: at(-100), HasDisplay: true},
	}
}

func createSession(t *testing.T, s store.Store, ss *store.Session) {
	t.Helper()
	if err := s.CreateSession(t.Context(), ss, 0, 0); err != nil {
		t.Fatalf("create session %s: %v", ss.ID, err)
	}
}

// endSession closes a session.
func endSession(t *testing.T, s store.Store, id string, when time.Time) {
	t.Helper()
	_, err := s.UpdateSession(t.Context(), id, func(ss *store.Session) error {
		ss.Status, ss.EndedAt = wire.StatusClosed, when
		return nil
	})
	if err != nil {
		t.Fatalf("end session %s: %v", id, err)
	}
}

// equal fails t unless got and want are deeply equal (nil and empty
// slices differ: both backends return nil for no rows).
func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, show(got), show(want))
	}
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	if reflect.ValueOf(v).Kind() == reflect.Slice && reflect.ValueOf(v).IsNil() {
		return "nil " + string(b)
	}
	return string(b)
}

// sorted returns ids sorted, for methods whose order is unspecified.
func sorted(ids []string) []string {
	ids = append([]string(nil), ids...)
	sort.Strings(ids)
	if len(ids) == 0 {
		return nil
	}
	return ids
}

// isCode reports whether err is a wire error with code c.
func isCode(err error, c wire.Code) bool {
	var we *wire.Error
	return errors.As(err, &we) && we.Code == c
}

// must fails t on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
