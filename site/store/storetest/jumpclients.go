package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// newJumpClient returns a jump client with every field CreateJumpClient
// writes set.
func newJumpClient(id, installer string, created int) *store.JumpClient {
	return &store.JumpClient{
		ID: id, Identity: []byte("ed25519-" + id), InstallerID: installer, Name: "PC " + id,
		JumpGroup: "team:support", Tag: "lab", Comments: "rack 3", Mode: string(wire.ModeService),
		Host:     wire.HostInfo{Hostname: id, OS: "linux", Arch: "arm64", PrivateIP: "10.0.0.7", BootTime: at(-1)},
		PublicIP: "198.51.100.4", Version: "1.2.3", CreatedAt: at(created), LastSeen: at(created + 1),
	}
}

func testJumpClients(t *testing.T, s store.Store) {
	ctx := t.Context()
	if n, err := s.CountJumpClients(ctx); err != nil || n != 0 {
		t.Fatalf("CountJumpClients on an empty store = %d, %v", n, err)
	}
	list, err := s.ListJumpClients(ctx)
	must(t, err)
	equal(t, "ListJumpClients on an empty store", list, []*store.JumpClient(nil))

	// Listed by name (bytes: "B" < "a"), then ID.
	b := newJumpClient("j2", "i1", 1)
	b.Name = "alpha"
	a := newJumpClient("j1", "i1", 2)
	a.Name, a.Passive = "Beta", true
	c := newJumpClient("j3", "i1", 3)
	c.Name, c.LastSeen, c.Host = "alpha", time.Time{}, wire.HostInfo{}
	gone := newJumpClient("j4", "i1", 4)
	for _, jc := range []*store.JumpClient{b, a, c, gone} {
		must(t, s.CreateJumpClient(ctx, jc))
	}
	for _, want := range []*store.JumpClient{a, b, c} {
		got, err := s.JumpClient(ctx, want.ID)
		must(t, err)
		equal(t, "JumpClient", got, want)
	}
	_, err = s.UpdateJumpClient(ctx, "j4", func(jc *store.JumpClient) error { jc.Removed = true; return nil })
	must(t, err)
	gone.Removed = true
	got, err := s.JumpClient(ctx, "j4")
	must(t, err)
	equal(t, "removed JumpClient", got, gone)

	list, err = s.ListJumpClients(ctx)
	must(t, err)
	equal(t, "ListJumpClients", list, []*store.JumpClient{a, b, c})
	if n, err := s.CountJumpClients(ctx); err != nil || n != 3 {
		t.Errorf("CountJumpClients = %d, %v; want 3", n, err)
	}
	if n, err := s.CountActiveJumpClients(ctx); err != nil || n != 2 { // a is passive, j4 removed
		t.Errorf("CountActiveJumpClients = %d, %v; want 2", n, err)
	}

	dup := newJumpClient("j5", "i1", 5)
	dup.Identity = a.Identity
	if err := s.CreateJumpClient(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("an identity enrolling twice: %v, want ErrConflict", err)
	}
	if err := s.CreateJumpClient(ctx, newJumpClient("j1", "i1", 6)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate ID: %v, want ErrConflict", err)
	}
	if _, err := s.JumpClient(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown jump client: %v, want ErrNotFound", err)
	}
}

func testUpdateJumpClient(t *testing.T, s store.Store) {
	ctx := t.Context()
	orig := newJumpClient("j1", "i1", 1)
	must(t, s.CreateJumpClient(ctx, orig))
	var seen store.JumpClient
	got, err := s.UpdateJumpClient(ctx, "j1", func(jc *store.JumpClient) error {
		seen = *jc
		jc.Name, jc.JumpGroup, jc.Tag, jc.Comments = "Renamed", "personal:ann", "", "moved"
		jc.Host = wire.HostInfo{Hostname: "new", OS: "darwin", ConsoleUser: "ann", HasDisplay: true}
		jc.PublicIP, jc.Version = "203.0.113.9", "1.3.0"
		jc.Disabled, jc.Passive, jc.Uninstalled, jc.LastSeen = true, true, true, at(99)
		return nil
	})
	must(t, err)
	equal(t, "the row fn saw", &seen, orig)
	read, err := s.JumpClient(ctx, "j1")
	must(t, err)
	equal(t, "JumpClient after UpdateJumpClient", read, got)
	if read.Name != "Renamed" || !read.Disabled || !read.Uninstalled || !read.LastSeen.Equal(at(99)) {
		t.Errorf("update not written: %+v", read)
	}

	_, err = s.UpdateJumpClient(ctx, "j1", func(jc *store.JumpClient) error {
		jc.Name, jc.Removed = "aborted", true
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("aborted update: %v, want errAbort", err)
	}
	after, err := s.JumpClient(ctx, "j1")
	must(t, err)
	equal(t, "JumpClient after an aborted update", after, read)

	called := false
	_, err = s.UpdateJumpClient(ctx, "nope", func(*store.JumpClient) error { called = true; return nil })
	if !errors.Is(err, store.ErrNotFound) || called {
		t.Errorf("unknown jump client: %v (fn called: %v), want ErrNotFound without calling fn", err, called)
	}
}

// Stale: not removed and last seen strictly before the time (never seen
// counts as long ago).
func testStaleJumpClients(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i, id := range []string{"j0", "j1", "j2", "j3"} {
		jc := newJumpClient(id, "i1", 10*i) // last seen 1, 11, 21, 31
		if id == "j0" {
			// Before 1970: negative nanoseconds.
			jc.LastSeen = time.Date(1965, 1, 2, 3, 4, 5, 6, time.UTC)
		}
		must(t, s.CreateJumpClient(ctx, jc))
	}
	never := newJumpClient("never", "i1", 0)
	never.LastSeen = time.Time{}
	must(t, s.CreateJumpClient(ctx, never))
	_, err := s.UpdateJumpClient(ctx, "j1", func(jc *store.JumpClient) error { jc.Removed = true; return nil })
	must(t, err)
	stale, err := s.StaleJumpClients(ctx, at(21))
	must(t, err)
	equal(t, "StaleJumpClients", sorted(stale), []string{"j0", "never"})
	stale, err = s.StaleJumpClients(ctx, at(22))
	must(t, err)
	equal(t, "StaleJumpClients", sorted(stale), []string{"j0", "j2", "never"})
}
