package site

import (
	"sync"
	"time"

	"github.com/tetherhq/tether/internal/clock"
)

// limiter is a token bucket per key (an address, a session, a user name):
// burst attempts at once, then one per interval. Idle buckets are dropped so
// the map cannot grow without bound.
type limiter struct {
	mu       sync.Mutex
	clock    clock.Clock
	burst    float64
	interval time.Duration
	buckets  map[string]*bucket
	lastGC   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(c clock.Clock, burst int, interval time.Duration) *limiter {
	return &limiter{clock: c, burst: float64(burst), interval: interval, buckets: map[string]*bucket{}}
}

// allow takes a token for key and reports whether one was there.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	l.gc(now)
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens += float64(now.Sub(b.at)) / float64(l.interval)
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *limiter) gc(now time.Time) {
	full := l.interval * time.Duration(l.burst+1)
	if now.Sub(l.lastGC) < full {
		return
	}
	l.lastGC = now
	for k, b := range l.buckets {
		if now.Sub(b.at) > full {
			delete(l.buckets, k)
		}
	}
}
