// Package backoff computes reconnect delays: exponential growth with full
// jitter so that thousands of agents that lost the site at the same moment
// do not all come back at the same moment.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/tetherhq/tether/internal/clock"
)

// Backoff is not safe for concurrent use.
type Backoff struct {
	Min, Max time.Duration
	Clock    clock.Clock
	// Rand returns a value in [0,1); replaced in tests.
	Rand    func() float64
	attempt int
}

// New returns a backoff between min and max on the real clock.
func New(min, max time.Duration) *Backoff {
	return &Backoff{Min: min, Max: max, Clock: clock.Real{}, Rand: rand.Float64}
}

// Next returns the delay before the next attempt: a random value between
// Min and min(Max, Min*2^(attempt+1)). The first attempt is jittered too
// (between Min and 2×Min): agents that lost their site at the same moment
// would otherwise all come back at exactly Min, in one burst of handshakes.
func (b *Backoff) Next() time.Duration {
	ceil := b.Min
	for i := 0; i <= b.attempt && ceil < b.Max; i++ {
		ceil *= 2
	}
	if ceil > b.Max {
		ceil = b.Max
	}
	b.attempt++
	r := b.Rand
	if r == nil {
		r = rand.Float64
	}
	return b.Min + time.Duration(r()*float64(ceil-b.Min))
}

// Reset starts over after a successful connection.
func (b *Backoff) Reset() { b.attempt = 0 }

// Wait sleeps for Next() or until ctx is done.
func (b *Backoff) Wait(ctx context.Context) error {
	c := b.Clock
	if c == nil {
		c = clock.Real{}
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.After(b.Next()):
		return nil
	}
}
