package storetest

import (
	"errors"
	"testing"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// newInstaller returns an installer with every field set.
func newInstaller(id string, by *store.User, created int) *store.Installer {
	return &store.Installer{
		ID: id, KeyHash: []byte("key-" + id), Platform: "windows-amd64", JumpGroup: "personal:" + by.Name,
		Tag: "front desk", Comments: "made by " + by.Name, Mode: wire.ModeService, CreatedBy: by.ID,
		CreatedAt: at(created), ExpiresAt: at(created + 86400), Package: "msi",
	}
}

func testInstallers(t *testing.T, s store.Store) {
	ctx := t.Context()
	admin := addUser(t, s, "admin")
	a := newInstaller("i1", admin, 1)
	b := newInstaller("i2", admin, 2)
	b.Passive, b.Mode, b.ExpiresAt, b.Package = true, wire.ModeUser, at(0).AddDate(100, 0, 0), "exe"
	must(t, s.CreateInstaller(ctx, a))
	must(t, s.CreateInstaller(ctx, b))
	for _, want := range []*store.Installer{a, b} {
		got, err := s.Installer(ctx, want.ID)
		must(t, err)
		equal(t, "Installer", got, want)
	}
	if _, err := s.Installer(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown installer: %v, want ErrNotFound", err)
	}
	if err := s.CreateInstaller(ctx, newInstaller("i1", admin, 3)); err == nil {
		t.Error("an installer ID was stored twice")
	}

	// Enrolled jump clients, oldest first, removed ones too.
	ids, err := s.InstallerJumpClients(ctx, "i1")
	must(t, err)
	equal(t, "InstallerJumpClients with none", ids, []string(nil))
	for i, id := range []string{"jc-b", "jc-a", "jc-c"} {
		jc := newJumpClient(id, "i1", 10-i) // created in reverse order of the list
		must(t, s.CreateJumpClient(ctx, jc))
	}
	must(t, s.CreateJumpClient(ctx, newJumpClient("jc-other", "i2", 1)))
	_, err = s.UpdateJumpClient(ctx, "jc-a", func(jc *store.JumpClient) error { jc.Removed = true; return nil })
	must(t, err)
	ids, err = s.InstallerJumpClients(ctx, "i1")
	must(t, err)
	equal(t, "InstallerJumpClients", ids, []string{"jc-c", "jc-a", "jc-b"})
}

// A pin installer is found by its session; the newest wins.
func testPinInstaller(t *testing.T, s store.Store) {
	ctx := t.Context()
	tech := addUser(t, s, "tech")
	must(t, s.CreateInstaller(ctx, newInstaller("plain", tech, 1)))
	if _, err := s.PinInstaller(ctx, "s1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no pin installer: %v, want ErrNotFound", err)
	}
	var want *store.Installer
	for i, id := range []string{"p-late", "p-early", "p-tie"} {
		in := newInstaller(id, tech, []int{30, 20, 30}[i])
		in.PinSession, in.PinName = "s1", "Reception PC "+id
		must(t, s.CreateInstaller(ctx, in))
		if id == "p-tie" { // same time as p-late: the larger ID wins
			want = in
		}
	}
	other := newInstaller("p-other", tech, 99)
	other.PinSession = "s2"
	must(t, s.CreateInstaller(ctx, other))
	got, err := s.PinInstaller(ctx, "s1")
	must(t, err)
	equal(t, "PinInstaller", got, want)
}
