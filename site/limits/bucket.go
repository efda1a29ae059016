// Package limits holds the site's rate limits: token buckets per key, the
// per-address-and-prefix limits on anything an anonymous caller may guess
// (session codes, installer links, agent connections), a global
// failure-rate gate that raises an alert, and the login guard.
//
// Every limit takes a clock so that tests advance time instead of waiting.
package limits

import (
	"sync"
	"time"

	"github.com/tetherhq/tether/internal/clock"
)

// Bucket is a token bucket per key (an address, a prefix, a user name):
// Burst attempts at once, then one per Interval. Idle buckets are dropped so
// the map cannot grow without bound.
type Bucket struct {
	mu       sync.Mutex
	clock    clock.Clock
	burst    float64
	interval time.Duration
	buckets  map[string]*bucket
	lastGC   time.Time
	// shared publishes spends to the other nodes (Share); nil alone.
	shared func(op, key string)
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewBucket returns a limiter of burst attempts, refilled one per interval.
func NewBucket(c clock.Clock, burst int, interval time.Duration) *Bucket {
	return &Bucket{clock: c, burst: float64(max(burst, 1)), interval: interval, buckets: map[string]*bucket{}}
}

// Allow takes a token for key and reports whether one was there.
func (l *Bucket) Allow(key string) bool {
	l.mu.Lock()
	b := l.refill(key)
	ok := b.tokens >= 1
	if ok {
		b.tokens--
	}
	l.mu.Unlock()
	if ok {
		l.tell(OpSpend, key)
	}
	return ok
}

// Has reports whether key has a token left, without taking it: limits that
// count only failures check first and Spend after the failure.
func (l *Bucket) Has(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refill(key).tokens >= 1
}

// Tokens is how many whole tokens key has left.
func (l *Bucket) Tokens(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int(l.refill(key).tokens)
}

// Spend takes a token for key if there is one.
func (l *Bucket) Spend(key string) {
	l.spend(key)
	l.tell(OpSpend, key)
}

func (l *Bucket) spend(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.refill(key); b.tokens >= 1 {
		b.tokens--
	}
}

// Reset forgets key (a success that should not count against it later).
func (l *Bucket) Reset(key string) {
	l.reset(key)
	l.tell(OpReset, key)
}

func (l *Bucket) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.buckets, key)
}

func (l *Bucket) refill(key string) *bucket {
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
	return b
}

func (l *Bucket) gc(now time.Time) {
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
