package site

import (
	"context"
	"runtime"
	"time"

	"github.com/tetherhq/tether/wire"
)

// hashGate bounds the argon2id computations running at once. Each holds
// argonMemory (19 MiB) while it runs, and more of them than cores only
// queue for the CPU; unbounded, a burst of session creations or logins
// would grow the site's memory by 19 MiB per request in flight. A request
// that waits longer than hashWait for a slot is answered server_busy.
type hashGate struct {
	slots chan struct{}
	wait  time.Duration
}

// hashWait is how long a request may queue for a hash slot: at ~25 ms per
// hash, dozens of requests per core ahead of it.
const hashWait = 5 * time.Second

func newHashGate() *hashGate {
	return &hashGate{slots: make(chan struct{}, runtime.GOMAXPROCS(0)), wait: hashWait}
}

var errHashBusy = wire.Err(wire.ServerBusy)

// do runs f in a slot, or returns server_busy (or the request's end).
func (g *hashGate) do(ctx context.Context, f func()) error {
	select {
	case g.slots <- struct{}{}:
	default:
		t := time.NewTimer(g.wait)
		defer t.Stop()
		select {
		case g.slots <- struct{}{}:
		case <-t.C:
			return errHashBusy
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-g.slots }()
	f()
	return nil
}

// hash runs f through the site's gate, counting a refusal.
func (s *Server) hash(ctx context.Context, f func()) error {
	err := s.hashes.do(ctx, f)
	if err == errHashBusy {
		s.rec.RateLimited("password_hashes")
	}
	return err
}
