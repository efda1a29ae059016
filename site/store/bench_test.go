package store_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// BenchmarkSessionCreateUpdate measures one session's life in the store:
// CreateSession under limits (so the limit check and its locking are
// included), then UpdateSession ending it (so the live count stays small).
// ops/s counts create+update pairs. parallel8 runs 8 goroutines, one
// technician each, as a busy site's handlers would.
func BenchmarkSessionCreateUpdate(b *testing.B) {
	for _, be := range []struct {
		name string
		open func(testing.TB) store.Store
	}{
		{"sqlite", func(b testing.TB) store.Store { return openSQLite(b) }},
		{"postgres", func(b testing.TB) store.Store { return openPostgres(b) }},
	} {
		b.Run(be.name+"/serial", func(b *testing.B) { benchSessions(b, be.open(b), 1) })
		b.Run(be.name+"/parallel8", func(b *testing.B) { benchSessions(b, be.open(b), 8) })
	}
}

func benchSessions(b *testing.B, s store.Store, workers int) {
	defer s.Close()
	ctx := b.Context()
	techs := make([]*store.User, workers)
	for w := range techs {
		techs[w] = &store.User{Name: fmt.Sprintf("tech%d", w), PassHash: "x"}
		if err := s.AddUser(ctx, techs[w]); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range workers {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				id := fmt.Sprintf("%s-%d", b.Name(), i)
				ss := &store.Session{ID: id, Code: fmt.Sprint(i), TechnicianID: techs[w].ID, Status: wire.StatusCreated,
					SecurityHash: []byte(id), CreatedAt: when(i), ExpiresAt: when(i + 3600)}
				if err := s.CreateSession(ctx, ss, 2, 100); err != nil {
					b.Error(err)
					return
				}
				_, err := s.UpdateSession(ctx, id, func(ss *store.Session) error {
					ss.Status, ss.EndedAt = wire.StatusClosed, when(i+1)
					return nil
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
