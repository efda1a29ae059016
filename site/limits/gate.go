package limits

import (
	"log/slog"
	"sync"
	"time"

	"github.com/tetherhq/tether/internal/clock"
)

// FailureGate bounds failures site-wide, whoever causes them: when the
// space of session codes is probed from more networks than the per-address
// limits can see, the failure rate gives it away. Past the rate every
// lookup is refused until it drops, and the log raises an alert (at most
// once per AlertEvery) so an operator can look at the addresses.
type FailureGate struct {
	bucket *Bucket
	log    *slog.Logger
	what   string
	clock  clock.Clock

	mu        sync.Mutex
	lastAlert time.Time
	refused   int
}

// AlertEvery bounds how often a closed gate logs its alert.
const AlertEvery = time.Minute

// NewFailureGate allows burst failures, then one per interval, of what
// (named in the alert).
func NewFailureGate(c clock.Clock, log *slog.Logger, what string, burst int, interval time.Duration) *FailureGate {
	return &FailureGate{bucket: NewBucket(c, burst, interval), log: log, what: what, clock: c}
}

// Open reports whether lookups may proceed; a closed gate counts the
// refusal for the next alert.
func (g *FailureGate) Open() bool {
	if g.bucket.Has("") {
		return true
	}
	g.alert("")
	return false
}

// Fail records a failure (a code that matched nothing) from addr.
func (g *FailureGate) Fail(addr string) {
	g.bucket.Spend("")
	if !g.bucket.Has("") {
		g.alert(addr)
	}
}

func (g *FailureGate) alert(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refused++
	now := g.clock.Now()
	if now.Sub(g.lastAlert) < AlertEvery {
		return
	}
	g.lastAlert = now
	g.log.Error("ALERT: failure rate limit reached; lookups are refused until it drops",
		"what", g.what, "refused_since_last_alert", g.refused, "last_addr", addr)
	g.refused = 0
}
