package metrics_test

import (
	"context"
	"testing"

	"github.com/tetherhq/tether/site/metrics"
	"github.com/tetherhq/tether/site/store"
)

// What each recorded event costs the site, next to the whole-site
// comparison in BenchmarkIdleJumpClientsMetrics (docs/BENCHMARKS.md).
func BenchmarkRecorder(b *testing.B) {
	m := metrics.New("bench")
	b.Run("BeatAnswered", func(b *testing.B) {
		for range b.N {
			m.BeatAnswered()
		}
	})
	b.Run("Relayed", func(b *testing.B) {
		for range b.N {
			m.Relayed(metrics.ToViewer, 1200)
		}
	})
	b.Run("AgentConnected", func(b *testing.B) {
		for range b.N {
			m.AgentConnected(metrics.Jump, metrics.Idle)()
		}
	})
	b.Run("ErrorAnswered", func(b *testing.B) {
		for range b.N {
			m.ErrorAnswered("not_found")
		}
	})
	// The timed store around a store that does nothing: the decorator's
	// own cost per call.
	s := m.Instrument(pingOnly{})
	b.Run("Store.Ping", func(b *testing.B) {
		ctx := context.Background()
		for range b.N {
			s.Ping(ctx)
		}
	})
	b.Run("parallel/BeatAnswered", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.BeatAnswered()
			}
		})
	})
}

// pingOnly answers Ping and nothing else.
type pingOnly struct{ store.Store }

func (pingOnly) Ping(context.Context) error { return nil }
