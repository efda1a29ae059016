package storetest

import (
	"context"
	"testing"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("ping an empty store: %v", err)
	}
	addUser(t, s, "alice")
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("ping: %v", err)
	}
}

func testCountSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	got, err := s.CountSessions(ctx)
	must(t, err)
	equal(t, "counts of an empty store", got, map[wire.SessionStatus]int{})
	tech := addUser(t, s, "alice")
	createSession(t, s, newSession("s1", "111111111", tech, at(1)))
	createSession(t, s, newSession("s2", "222222222", tech, at(2)))
	createSession(t, s, newSession("s3", "333333333", tech, at(3)))
	endSession(t, s, "s3", at(4))
	_, err = s.UpdateSession(ctx, "s2", func(x *store.Session) error { x.Status = wire.StatusActivated; return nil })
	must(t, err)
	got, err = s.CountSessions(ctx)
	must(t, err)
	equal(t, "counts", got, map[wire.SessionStatus]int{wire.StatusCreated: 1, wire.StatusActivated: 1, wire.StatusClosed: 1})
}
