package limits

import (
	"math"
	"sync"
	"time"

	"github.com/tetherhq/tether/internal/clock"
)

// Login guards the console login. Only failures count, and they count
// where the guessing comes from: per address and per (name, address) — not
// per prefix, so that a neighbour's guessing never refuses a right
// password. A name that is guessed at from everywhere is slowed
// down — every attempt on it waits a little, right or wrong, so timing says
// nothing — but never locked: a right password from an address that did
// not guess wrong always gets in, however many others are guessing.
type Login struct {
	addr  *Bucket
	pair  *Bucket
	clock clock.Clock
	// MaxDelay caps the slow-down per attempt on a name.
	MaxDelay time.Duration

	mu    sync.Mutex
	names map[string]*decaying
	// shared publishes name failures to the other nodes (Share).
	shared func(op, key string)
}

// Slow-down of a name: no delay for the first nameFreeFailures recent
// failures, then nameBaseDelay doubling with each further one, capped at
// MaxDelay; failures are forgotten with a half-life of nameHalfLife.
const (
	nameFreeFailures = 5
	nameBaseDelay    = 100 * time.Millisecond
	nameHalfLife     = 10 * time.Minute
)

type decaying struct {
	n  float64
	at time.Time
}

// NewLogin returns the guard with the site's defaults: 20 failures per
// address (then one per 6 s), 5 per (name, address) (then one per 30 s),
// and a slow-down of at most maxDelay per attempt on a guessed-at name.
func NewLogin(c clock.Clock, maxDelay time.Duration) *Login {
	return &Login{
		addr:     NewBucket(c, 20, 6*time.Second),
		pair:     NewBucket(c, 5, 30*time.Second),
		clock:    c,
		MaxDelay: maxDelay,
		names:    map[string]*decaying{},
	}
}

// Allowed reports whether addr may try name now.
func (l *Login) Allowed(name, addr string) bool {
	return l.addr.Has(addr) && l.pair.Has(pairKey(name, addr))
}

// Failed counts a wrong password for name from addr.
func (l *Login) Failed(name, addr string) {
	l.addr.Spend(addr)
	l.pair.Spend(pairKey(name, addr))
	l.failedName(name)
	if l.shared != nil {
		l.shared(OpFail, name)
	}
}

// failedName counts a failure against name (its slow-down).
func (l *Login) failedName(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := l.decayed(name)
	d.n++
	if len(l.names) > 100_000 { // bounded: forget the quiet ones
		for k, v := range l.names {
			if l.clock.Now().Sub(v.at) > nameHalfLife {
				delete(l.names, k)
			}
		}
	}
}

// Succeeded forgets the (name, address) failures of a user who got in.
func (l *Login) Succeeded(name, addr string) { l.pair.Reset(pairKey(name, addr)) }

// Delay is how long an attempt on name waits before its password is
// checked.
func (l *Login) Delay(name string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.decayed(name).n - nameFreeFailures
	if n <= 0 {
		return 0
	}
	d := float64(nameBaseDelay) * math.Pow(2, n-1)
	if d >= float64(l.MaxDelay) { // also keeps the conversion from overflowing
		return l.MaxDelay
	}
	return time.Duration(d)
}

func (l *Login) decayed(name string) *decaying {
	now := l.clock.Now()
	d := l.names[name]
	if d == nil {
		d = &decaying{at: now}
		l.names[name] = d
	}
	d.n *= math.Exp2(-float64(now.Sub(d.at)) / float64(nameHalfLife))
	d.at = now
	return d
}

func pairKey(name, addr string) string { return name + "\x00" + addr }
