package storetest

import (
	"bytes"
	"errors"
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
