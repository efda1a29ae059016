package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

func testSessionCreateRead(t *testing.T, s store.Store) {
	ctx := t.Context()
	tech := addUser(t, s, "tech")
	a := newSession("s1", "123456", tech, at(10))
	a.JumpClientID, a.Computer, a.ActivatedAt = "jc1", "pc-jump", at(11)
	b := newSession("s2", "654321", tech, at(20))
	b.Host = wire.HostInfo{} // zero times and empty JSON round-trip too
	b.ExpiresAt = time.Time{}
	createSession(t, s, a)
	createSession(t, s, b)
	for _, want := range []*store.Session{a, b} {
		got, err := s.Session(ctx, want.ID)
		must(t, err)
		equal(t, "Session", got, want)
		got, err = s.SessionByCode(ctx, want.Code)
		must(t, err)
		equal(t, "SessionByCode", got, want)
	}
	if _, err := s.Session(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown session: %v, want ErrNotFound", err)
	}
	if _, err := s.SessionByCode(ctx, "000000"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown code: %v, want ErrNotFound", err)
	}
	if err := s.CreateSession(ctx, newSession("s1", "777777", tech, at(30)), 0, 0); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate ID: %v, want ErrConflict", err)
	}
}

// A code is unique among live sessions only; SessionByCode prefers the
// live session, then the most recent ended one.
func testSessionCodes(t *testing.T, s store.Store) {
	ctx := t.Context()
	tech := addUser(t, s, "tech")
	createSession(t, s, newSession("old", "111111", tech, at(10)))
	if err := s.CreateSession(ctx, newSession("dup", "111111", tech, at(11)), 0, 0); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second live session with a code: %v, want ErrConflict", err)
	}
	if _, err := s.Session(ctx, "dup"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused session was stored: %v", err)
	}
	endSession(t, s, "old", at(12))
	createSession(t, s, newSession("new", "111111", tech, at(13)))
	got, err := s.SessionByCode(ctx, "111111")
	must(t, err)
	if got.ID != "new" {
		t.Errorf("SessionByCode = %s, want the live session", got.ID)
	}
	endSession(t, s, "new", at(14))
	createSession(t, s, newSession("newest", "111111", tech, at(5))) // live, though created earlier
	got, err = s.SessionByCode(ctx, "111111")
	must(t, err)
	if got.ID != "newest" {
		t.Errorf("SessionByCode = %s, want the live session over newer ended ones", got.ID)
	}
	endSession(t, s, "newest", at(15))
	got, err = s.SessionByCode(ctx, "111111")
	must(t, err)
	if got.ID != "new" {
		t.Errorf("SessionByCode with all ended = %s, want the most recently created (new)", got.ID)
	}
}

func testListSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	ann, ben := addUser(t, s, "ann"), addUser(t, s, "ben")
	var all []*store.Session
	for i, tech := range []*store.User{ann, ben, ann, ben, ann} {
		ss := newSession(string(rune('a'+i)), string(rune('0'+i))+"00000", tech, at(10*i))
		createSession(t, s, ss)
		all = append([]*store.Session{ss}, all...) // newest first
	}
	// Equal creation times are ordered by ID, newest (largest) first.
	tie := newSession("f", "500000", ann, at(40))
	createSession(t, s, tie)
	all = append([]*store.Session{tie}, all...)
	endSession(t, s, "c", at(100))
	all[3].Status, all[3].EndedAt = wire.StatusClosed, at(100)

	pick := func(keep func(*store.Session) bool) []*store.Session {
		var out []*store.Session
		for _, ss := range all {
			if keep(ss) {
				out = append(out, ss)
			}
		}
		return out
	}
	for _, c := range []struct {
		tech  int64
		ended bool
		want  []*store.Session
	}{
		{0, true, all},
		{0, false, pick(func(ss *store.Session) bool { return ss.Live() })},
		{ann.ID, true, pick(func(ss *store.Session) bool { return ss.TechnicianID == ann.ID })},
		{ann.ID, false, pick(func(ss *store.Session) bool { return ss.TechnicianID == ann.ID && ss.Live() })},
		{ben.ID + 100, true, nil},
	} {
		got, err := s.ListSessions(ctx, c.tech, c.ended)
		must(t, err)
		equal(t, "ListSessions", got, c.want)
	}
}

// errAbort is what the aborting update functions return.
var errAbort = errors.New("abort")

func testUpdateSession(t *testing.T, s store.Store) {
	ctx := t.Context()
	tech := addUser(t, s, "tech")
	orig := newSession("s1", "123456", tech, at(10))
	createSession(t, s, orig)

	// fn sees the stored row; every field it may change is written.
	var seen store.Session
	got, err := s.UpdateSession(ctx, "s1", func(ss *store.Session) error {
		seen = *ss
		ss.Status = wire.StatusConnected
		ss.ExpiresAt, ss.DownloadedAt, ss.ActivatedAt = at(500), at(11), at(12)
		ss.EmailSentAt, ss.LastOnline, ss.OnlineSince = at(13), at(14), at(15)
		ss.Identity = []byte{1, 2, 3, 0}
		ss.Computer, ss.Platform, ss.RemoteAddr = "PC-42", "windows/amd64", "192.0.2.7:50000"
		ss.Host = wire.HostInfo{Hostname: "PC-42", OS: "windows", ConsoleUser: "ada", Service: true, BootTime: at(-5)}
		ss.FailedCodes, ss.Locked = 3, true
		ss.CustomerName, ss.CustomerEmail = "Ada L.", "ada@example.org"
		ss.RebootStartedAt, ss.RebootSafeMode = at(16), true
		return nil
	})
	must(t, err)
	equal(t, "the row fn saw", &seen, orig)
	read, err := s.Session(ctx, "s1")
	must(t, err)
	equal(t, "Session after UpdateSession", read, got)
	if got.Status != wire.StatusConnected || got.Computer != "PC-42" || !got.Locked {
		t.Errorf("UpdateSession returned %+v", got)
	}

	// An error from fn aborts without writing, and is returned as is.
	_, err = s.UpdateSession(ctx, "s1", func(ss *store.Session) error {
		ss.Status, ss.Computer, ss.FailedCodes = wire.StatusClosed, "changed", 99
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("aborted update: %v, want errAbort", err)
	}
	after, err := s.Session(ctx, "s1")
	must(t, err)
	equal(t, "Session after an aborted update", after, read)

	// Ending frees the code, and clearing fields writes zero values.
	_, err = s.UpdateSession(ctx, "s1", func(ss *store.Session) error {
		ss.Status, ss.EndedAt, ss.OnlineSince, ss.Identity, ss.Host = wire.StatusClosed, at(600), time.Time{}, nil, wire.HostInfo{}
		return nil
	})
	must(t, err)
	after, err = s.Session(ctx, "s1")
	must(t, err)
	if after.Live() || !after.OnlineSince.IsZero() || after.Identity != nil || after.Host != (wire.HostInfo{}) {
		t.Errorf("after ending: %+v", after)
	}
	createSession(t, s, newSession("s2", "123456", tech, at(20)))

	called := false
	_, err = s.UpdateSession(ctx, "nope", func(*store.Session) error { called = true; return nil })
	if !errors.Is(err, store.ErrNotFound) || called {
		t.Errorf("unknown session: %v (fn called: %v), want ErrNotFound without calling fn", err, called)
	}
}

// Concurrent read-modify-writes of one session never lose an update.
func testUpdateSessionConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	tech := addUser(t, s, "tech")
	createSession(t, s, newSession("s1", "123456", tech, at(10)))
	const workers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				_, err := s.UpdateSession(ctx, "s1", func(ss *store.Session) error {
					ss.FailedCodes++
					return nil
				})
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := s.Session(ctx, "s1")
	must(t, err)
	if got.FailedCodes != workers*each {
		t.Errorf("FailedCodes = %d after %d increments", got.FailedCodes, workers*each)
	}
}

func testDueSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	tech := addUser(t, s, "tech")
	for i, id := range []string{"a", "b", "c", "d"} {
		ss := newSession(id, id+"00000", tech, at(i))
		ss.ExpiresAt = at(100 + 10*i) // a 100, b 110, c 120, d 130
		createSession(t, s, ss)
	}
	endSession(t, s, "a", at(50))
	due, err := s.DueSessions(ctx, at(99))
	must(t, err)
	equal(t, "DueSessions before any", due, []string(nil))
	due, err = s.DueSessions(ctx, at(120)) // ExpiresAt == now is due
	must(t, err)
	equal(t, "DueSessions", sorted(due), []string{"b", "c"})
}

// RebootingSessions lists live sessions in status rebooting, whole, in ID
// order; the reboot fields round-trip and clear.
func testRebootingSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	tech := addUser(t, s, "tech")
	for _, id := range []string{"s3", "s1", "s2", "s4"} {
		createSession(t, s, newSession(id, "12345"+id[1:], tech, at(10)))
	}
	reboot := func(id string, safe bool) {
		_, err := s.UpdateSession(ctx, id, func(ss *store.Session) error {
			ss.Status, ss.RebootStartedAt, ss.RebootSafeMode = wire.StatusRebooting, at(20), safe
			return nil
		})
		must(t, err)
	}
	reboot("s3", true)
	reboot("s1", false)
	reboot("s4", false)
	endSession(t, s, "s4", at(30)) // closed while rebooting: no longer listed
	got, err := s.RebootingSessions(ctx)
	must(t, err)
	if len(got) != 2 || got[0].ID != "s1" || got[1].ID != "s3" {
		t.Fatalf("RebootingSessions = %v, want s1, s3", ids(got))
	}
	if !got[1].RebootSafeMode || got[0].RebootSafeMode || !got[1].RebootStartedAt.Equal(at(20)) {
		t.Errorf("reboot fields: %+v", got[1])
	}
	read, err := s.Session(ctx, "s3")
	must(t, err)
	equal(t, "RebootingSessions row", got[1], read)
	_, err = s.UpdateSession(ctx, "s3", func(ss *store.Session) error {
		ss.Status, ss.RebootStartedAt, ss.RebootSafeMode = wire.StatusActivated, time.Time{}, false
		return nil
	})
	must(t, err)
	got, err = s.RebootingSessions(ctx)
	must(t, err)
	if len(got) != 1 || got[0].ID != "s1" {
		t.Fatalf("after s3 rejoined: %v, want s1", ids(got))
	}
	if read, _ = s.Session(ctx, "s3"); !read.RebootStartedAt.IsZero() || read.RebootSafeMode {
		t.Errorf("reboot fields not cleared: %+v", read)
	}
}

func ids(list []*store.Session) []string {
	var out []string
	for _, ss := range list {
		out = append(out, ss.ID)
	}
	return out
}
