package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tetherhq/tether/site/store"
)

func testUsers(t *testing.T, s store.Store) {
	ctx := t.Context()
	if n, err := s.CountUsers(ctx); err != nil || n != 0 {
		t.Fatalf("CountUsers on an empty store = %d, %v", n, err)
	}
	alice := addUser(t, s, "alice")
	bob := &store.User{Name: "bob", PassHash: "h", Admin: true} // zero CreatedAt
	must(t, s.AddUser(ctx, bob))
	if alice.ID <= 0 || bob.ID <= 0 || alice.ID == bob.ID {
		t.Fatalf("IDs %d, %d", alice.ID, bob.ID)
	}
	for _, want := range []*store.User{alice, bob} {
		got, err := s.UserByName(ctx, want.Name)
		must(t, err)
		equal(t, "UserByName", got, want)
		got, err = s.UserByID(ctx, want.ID)
		must(t, err)
		equal(t, "UserByID", got, want)
	}
	if got, _ := s.UserByID(ctx, bob.ID); got != nil && !got.CreatedAt.Equal(time.Time{}) {
		t.Errorf("zero CreatedAt read back as %v", got.CreatedAt)
	}
	if err := s.AddUser(ctx, &store.User{Name: "alice", PassHash: "x"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate name: %v, want ErrConflict", err)
	}
	if _, err := s.UserByName(ctx, "Alice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("names are case-sensitive: UserByName(Alice) = %v, want ErrNotFound", err)
	}
	if _, err := s.UserByID(ctx, bob.ID+100); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown ID: %v, want ErrNotFound", err)
	}
	if n, err := s.CountUsers(ctx); err != nil || n != 2 {
		t.Errorf("CountUsers = %d, %v; want 2", n, err)
	}
}

func testTokens(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice, bob := addUser(t, s, "alice"), addUser(t, s, "bob")
	t1 := &store.Token{UserID: alice.ID, Name: "ci", Hash: []byte{0, 1, 2, 0xff}, CreatedAt: at(5)}
	t2 := &store.Token{UserID: bob.ID, Name: "cli", Hash: []byte("bob-token"), CreatedAt: at(6)}
	must(t, s.AddToken(ctx, t1))
	must(t, s.AddToken(ctx, t2))
	if t1.ID <= 0 || t2.ID <= 0 || t1.ID == t2.ID {
		t.Fatalf("token IDs %d, %d", t1.ID, t2.ID)
	}
	got, err := s.UserByTokenHash(ctx, []byte{0, 1, 2, 0xff})
	must(t, err)
	equal(t, "UserByTokenHash", got, alice)
	got, err = s.UserByTokenHash(ctx, []byte("bob-token"))
	must(t, err)
	equal(t, "UserByTokenHash", got, bob)
	if _, err := s.UserByTokenHash(ctx, []byte{0, 1, 2}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown hash (a prefix): %v, want ErrNotFound", err)
	}
	if err := s.AddToken(ctx, &store.Token{UserID: bob.ID, Name: "dup", Hash: t1.Hash}); err == nil {
		t.Error("a token hash was stored twice")
	}

	// Listed without hashes, with the user's name, oldest first.
	view := func(tk *store.Token, user string) *store.Token {
		return &store.Token{ID: tk.ID, UserID: tk.UserID, Name: tk.Name, CreatedAt: tk.CreatedAt, UserName: user}
	}
	all, err := s.ListTokens(ctx, 0)
	must(t, err)
	equal(t, "ListTokens(all)", all, []*store.Token{view(t1, "alice"), view(t2, "bob")})
	mine, err := s.ListTokens(ctx, bob.ID)
	must(t, err)
	equal(t, "ListTokens(bob)", mine, []*store.Token{view(t2, "bob")})
	one, err := s.Token(ctx, t1.ID)
	must(t, err)
	equal(t, "Token", one, view(t1, "alice"))
	must(t, s.DeleteToken(ctx, t1.ID))
	if _, err := s.UserByTokenHash(ctx, t1.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a revoked token still resolves: %v", err)
	}
	if err := s.DeleteToken(ctx, t1.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking twice: %v, want ErrNotFound", err)
	}
	if _, err := s.Token(ctx, t1.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a revoked token: %v, want ErrNotFound", err)
	}
}

func testLogins(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := addUser(t, s, "alice")
	l := &store.Login{Hash: bytes.Repeat([]byte{0xab}, 32), UserID: alice.ID, CSRF: "csrf-token", ExpiresAt: at(3600)}
	must(t, s.AddLogin(ctx, l))
	got, err := s.LoginByHash(ctx, l.Hash)
	must(t, err)
	equal(t, "LoginByHash", got, l)
	if _, err := s.LoginByHash(ctx, []byte("other")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown login: %v, want ErrNotFound", err)
	}
	must(t, s.DeleteLogin(ctx, l.Hash))
	if _, err := s.LoginByHash(ctx, l.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted login: %v, want ErrNotFound", err)
	}
	must(t, s.DeleteLogin(ctx, l.Hash)) // logging out twice is fine
}

// testSetUserPassword: a new password ends the user's console logins (and
// only theirs) in the same step, so the old one logs nobody in anywhere.
func testSetUserPassword(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice, bob := addUser(t, s, "alice"), addUser(t, s, "bob")
	login := func(u *store.User, b byte) *store.Login {
		l := &store.Login{Hash: bytes.Repeat([]byte{b}, 32), UserID: u.ID, CSRF: "c", ExpiresAt: at(3600)}
		must(t, s.AddLogin(ctx, l))
		return l
	}
	a1, a2, b1 := login(alice, 1), login(alice, 2), login(bob, 3)

	must(t, s.SetUserPassword(ctx, alice.ID, "$argon2id$new"))
	got, err := s.UserByID(ctx, alice.ID)
	must(t, err)
	alice.PassHash = "$argon2id$new"
	equal(t, "user after SetUserPassword", got, alice)
	for _, l := range []*store.Login{a1, a2} {
		if _, err := s.LoginByHash(ctx, l.Hash); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a login of the user survives the new password: %v", err)
		}
	}
	got2, err := s.LoginByHash(ctx, b1.Hash)
	must(t, err)
	equal(t, "another user's login", got2, b1)
	got, err = s.UserByID(ctx, bob.ID)
	must(t, err)
	equal(t, "another user", got, bob)

	if err := s.SetUserPassword(ctx, bob.ID+100, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
}

func testAccess(t *testing.T, s store.Store) {
	ctx := t.Context()
	teams, err := s.Teams(ctx)
	must(t, err)
	equal(t, "Teams of an empty store", teams, map[string][]string{})
	zed, amy, bea := addUser(t, s, "zed"), addUser(t, s, "amy"), addUser(t, s, "Bea")
	// Duplicates collapse; teams and names sort by bytes ("B" < "a").
	must(t, s.SetUserAccess(ctx, zed.ID, []string{"alpha", "Beta", "alpha"}, true))
	must(t, s.SetUserAccess(ctx, amy.ID, []string{"alpha"}, false))
	must(t, s.SetUserAccess(ctx, bea.ID, []string{"alpha"}, false))
	got, err := s.UserByID(ctx, zed.ID)
	must(t, err)
	zed.Teams, zed.SeePersonalGroups = []string{"Beta", "alpha"}, true
	equal(t, "user after SetUserAccess", got, zed)
	teams, err = s.Teams(ctx)
	must(t, err)
	equal(t, "Teams", teams, map[string][]string{"Beta": {"zed"}, "alpha": {"Bea", "amy", "zed"}})

	// Replacing: the old teams go, and so does the permission.
	must(t, s.SetUserAccess(ctx, zed.ID, nil, false))
	got, err = s.UserByName(ctx, "zed")
	must(t, err)
	zed.Teams, zed.SeePersonalGroups = nil, false
	equal(t, "user after clearing access", got, zed)
	teams, err = s.Teams(ctx)
	must(t, err)
	equal(t, "Teams after clearing", teams, map[string][]string{"alpha": {"Bea", "amy"}})
}

// testSetUserDisabled: disabling ends the user's console logins and API
// tokens (and only theirs) in the same step, keeps what names the user
// (sessions, audit, teams), and enabling brings no credential back.
func testSetUserDisabled(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice, bob := addUser(t, s, "alice"), addUser(t, s, "bob")
	must(t, s.SetUserAccess(ctx, alice.ID, []string{"support"}, false))
	alice.Teams = []string{"support"}
	createSession(t, s, newSession("s1", "111111", alice, at(10)))
	must(t, s.Audit(ctx, &store.AuditEntry{At: at(11), Event: "login", Actor: "alice"}))
	credentials := func(u *store.User, b byte) (*store.Login, *store.Token) {
		l := &store.Login{Hash: bytes.Repeat([]byte{b}, 32), UserID: u.ID, CSRF: "c", ExpiresAt: at(3600)}
		must(t, s.AddLogin(ctx, l))
		tk := &store.Token{UserID: u.ID, Name: "cli", Hash: []byte{b, b}, CreatedAt: at(2)}
		must(t, s.AddToken(ctx, tk))
		return l, tk
	}
	aLogin, aToken := credentials(alice, 1)
	bLogin, bToken := credentials(bob, 2)

	must(t, s.SetUserDisabled(ctx, alice.ID, true))
	alice.Disabled = true
	got, err := s.UserByName(ctx, "alice")
	must(t, err)
	equal(t, "UserByName after disabling", got, alice)
	if _, err := s.LoginByHash(ctx, aLogin.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a login of the disabled user survives: %v", err)
	}
	if _, err := s.UserByTokenHash(ctx, aToken.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a token of the disabled user survives: %v", err)
	}
	if l, err := s.LoginByHash(ctx, bLogin.Hash); err != nil || l.UserID != bob.ID {
		t.Errorf("another user's login: %v, %v", l, err)
	}
	if u, err := s.UserByTokenHash(ctx, bToken.Hash); err != nil || u.ID != bob.ID || u.Disabled {
		t.Errorf("another user's token: %v, %v", u, err)
	}
	// The history that names the user stays.
	if list, err := s.ListSessions(ctx, alice.ID, true); err != nil || len(list) != 1 {
		t.Errorf("sessions of the disabled user: %d, %v", len(list), err)
	}
	if log, err := s.AuditLog(ctx, store.AuditQuery{Technician: "alice"}); err != nil || len(log) != 1 {
		t.Errorf("audit of the disabled user: %d, %v", len(log), err)
	}
	teams, err := s.Teams(ctx)
	must(t, err)
	equal(t, "Teams", teams, map[string][]string{"support": {"alice"}})

	// A token made by a race after the disable resolves to a user that
	// says it is disabled, so the site can refuse it.
	late := &store.Token{UserID: alice.ID, Name: "late", Hash: []byte("late"), CreatedAt: at(3)}
	must(t, s.AddToken(ctx, late))
	got, err = s.UserByTokenHash(ctx, late.Hash)
	must(t, err)
	equal(t, "UserByTokenHash of a disabled user", got, alice)
	must(t, s.SetUserDisabled(ctx, alice.ID, true)) // again: ends the late token too
	if _, err := s.UserByTokenHash(ctx, late.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("disabling again leaves a token: %v", err)
	}

	must(t, s.SetUserDisabled(ctx, alice.ID, false))
	alice.Disabled = false
	got, err = s.UserByID(ctx, alice.ID)
	must(t, err)
	equal(t, "UserByID after enabling", got, alice)
	if list, err := s.ListTokens(ctx, alice.ID); err != nil || len(list) != 0 {
		t.Errorf("enabling brought tokens back: %v, %v", list, err)
	}
	for _, d := range []bool{true, false} {
		if err := s.SetUserDisabled(ctx, bob.ID+100, d); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown user (disabled %v): %v, want ErrNotFound", d, err)
		}
	}
}

// testSetUserDisabledLastAdmin: the site always keeps an enabled admin.
func testSetUserDisabledLastAdmin(t *testing.T, s store.Store) {
	ctx := t.Context()
	root := &store.User{Name: "root", PassHash: "h", Admin: true, CreatedAt: at(1)}
	must(t, s.AddUser(ctx, root))
	tech := addUser(t, s, "tech")
	l := &store.Login{Hash: []byte("root-login"), UserID: root.ID, CSRF: "c", ExpiresAt: at(3600)}
	must(t, s.AddLogin(ctx, l))
	err := s.SetUserDisabled(ctx, root.ID, true)
	if !errors.Is(err, store.ErrLastAdmin) || !errors.Is(err, store.ErrConflict) {
		t.Fatalf("disabling the only admin: %v, want ErrLastAdmin", err)
	}
	if u, err := s.UserByID(ctx, root.ID); err != nil || u.Disabled {
		t.Errorf("the refused admin: %v, %v", u, err)
	}
	if _, err := s.LoginByHash(ctx, l.Hash); err != nil {
		t.Errorf("the refusal ended the admin's login: %v", err)
	}
	must(t, s.SetUserDisabled(ctx, tech.ID, true)) // technicians are not counted

	second := &store.User{Name: "second", PassHash: "h", Admin: true, CreatedAt: at(1)}
	must(t, s.AddUser(ctx, second))
	must(t, s.SetUserDisabled(ctx, root.ID, true))
	if err := s.SetUserDisabled(ctx, second.ID, true); !errors.Is(err, store.ErrLastAdmin) {
		t.Errorf("disabling the last enabled admin: %v, want ErrLastAdmin", err)
	}
	must(t, s.SetUserDisabled(ctx, root.ID, true)) // already disabled: not the last one
	must(t, s.SetUserDisabled(ctx, root.ID, false))
	must(t, s.SetUserDisabled(ctx, second.ID, true))
}

// testSetUserDisabledConcurrent: disabling every admin at once leaves one.
func testSetUserDisabledConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	var enabled []*store.User // the admins left enabled by the last round
	for round := range 5 {
		admins := enabled
		for i := range 2 {
			u := &store.User{Name: fmt.Sprintf("admin-%d-%d", round, i), PassHash: "h", Admin: true}
			must(t, s.AddUser(ctx, u))
			admins = append(admins, u)
		}
		errs := make(chan error, len(admins))
		for _, u := range admins {
			go func() { errs <- s.SetUserDisabled(ctx, u.ID, true) }()
		}
		refused := 0
		for range admins {
			if err := <-errs; errors.Is(err, store.ErrLastAdmin) {
				refused++
			} else if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if refused != 1 {
			t.Fatalf("round %d: %d of %d concurrent disables refused, want 1", round, refused, len(admins))
		}
		enabled = nil
		for _, u := range admins {
			got, err := s.UserByID(ctx, u.ID)
			must(t, err)
			if !got.Disabled {
				enabled = append(enabled, got)
			}
		}
		if len(enabled) != 1 {
			t.Fatalf("round %d: %d admins enabled, want 1", round, len(enabled))
		}
	}
}
