package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// The A8 limits count live ad hoc sessions: not ended ones, not jump
// sessions. A limit ≤ 0 is no limit.
func testLimits(t *testing.T, s store.Store) {
	ctx := t.Context()
	ann, ben := addUser(t, s, "ann"), addUser(t, s, "ben")
	n := 0
	create := func(tech *store.User, jump string, perTech, perSite int) error {
		n++
		ss := newSession(fmt.Sprintf("s%02d", n), fmt.Sprintf("%06d", n), tech, at(n))
		ss.JumpClientID = jump
		return s.CreateSession(ctx, ss, perTech, perSite)
	}
	must(t, create(ann, "", 2, 0))
	must(t, create(ann, "", 2, 0))
	if err := create(ann, "", 2, 0); !isCode(err, wire.LimitTechnician) {
		t.Fatalf("third session for a technician limited to 2: %v, want %s", err, wire.LimitTechnician)
	}
	must(t, create(ann, "jc1", 0, 0)) // jump sessions are not counted…
	must(t, create(ann, "", 3, 0))    // …so this is ann's third ad hoc session
	must(t, create(ben, "", 1, 0))    // limits are per technician
	must(t, create(ann, "", 0, 0))    // no limit
	if err := create(ben, "", 3, 5); !isCode(err, wire.LimitSite) {
		t.Fatalf("sixth ad hoc session on a site limited to 5: %v, want %s", err, wire.LimitSite)
	}
	must(t, create(ben, "", 3, 6))
	// The technician limit is checked first.
	if err := create(ann, "", 1, 1); !isCode(err, wire.LimitTechnician) {
		t.Fatalf("both limits reached: %v, want %s", err, wire.LimitTechnician)
	}
	// Ended sessions free their place.
	endSession(t, s, "s01", at(100))
	must(t, create(ben, "", 0, 6))
	live, err := s.ListSessions(ctx, 0, false)
	must(t, err)
	if len(live) != 7 { // 6 ad hoc + 1 jump
		t.Errorf("%d live sessions, want 7", len(live))
	}
}

// concurrentCreates runs 20 CreateSession calls at once, the i-th for
// techs[i%len(techs)], and returns how many succeeded per technician.
// Any error other than a limit fails t.
func concurrentCreates(t *testing.T, s store.Store, techs []*store.User, perTech, perSite int) map[int64]int {
	t.Helper()
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := map[int64]int{}
	start := make(chan struct{})
	for i := range n {
		tech := techs[i%len(techs)]
		wg.Go(func() {
			ss := newSession(fmt.Sprintf("c%02d", i), fmt.Sprintf("9%05d", i), tech, at(i))
			<-start
			err := s.CreateSession(t.Context(), ss, perTech, perSite)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok[tech.ID]++
			case isCode(err, wire.LimitTechnician), isCode(err, wire.LimitSite):
			default:
				t.Errorf("create %s: %v", ss.ID, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return ok
}

func testLimitsConcurrentTechnician(t *testing.T, s store.Store) {
	tech := addUser(t, s, "tech")
	ok := concurrentCreates(t, s, []*store.User{tech}, 3, 0)
	if ok[tech.ID] != 3 {
		t.Errorf("%d of 20 concurrent creates succeeded with a technician limit of 3", ok[tech.ID])
	}
}

func testLimitsConcurrentSite(t *testing.T, s store.Store) {
	techs := []*store.User{addUser(t, s, "a"), addUser(t, s, "b"), addUser(t, s, "c"), addUser(t, s, "d")}
	ok := concurrentCreates(t, s, techs, 0, 5)
	total := 0
	for _, n := range ok {
		total += n
	}
	if total != 5 {
		t.Errorf("%d of 20 concurrent creates succeeded with a site limit of 5", total)
	}
}

// Both limits at once: 5 technicians × 2 could hold 10, the site only 5.
func testLimitsConcurrentMixed(t *testing.T, s store.Store) {
	var techs []*store.User
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		techs = append(techs, addUser(t, s, name))
	}
	ok := concurrentCreates(t, s, techs, 2, 5)
	total := 0
	for id, n := range ok {
		total += n
		if n > 2 {
			t.Errorf("technician %d got %d sessions with a limit of 2", id, n)
		}
	}
	if total != 5 {
		t.Errorf("%d of 20 concurrent creates succeeded with a site limit of 5", total)
	}
	live, err := s.ListSessions(t.Context(), 0, false)
	must(t, err)
	if len(live) != total {
		t.Errorf("%d live sessions, %d creates succeeded", len(live), total)
	}
}
