package agent

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// checkInLater ends a passive jump client's connection (C9): the site
// wants it back after this long, or sooner when a jump is waiting.
type checkInLater time.Duration

func (c checkInLater) Error() string {
	return fmt.Sprintf("passive: check in again in %s", time.Duration(c))
}

// wait spreads check-ins of many clients (±10 %) and keeps the interval
// within sane bounds whatever the site sent.
func (c checkInLater) wait() time.Duration {
	d := min(max(time.Duration(c), time.Second), time.Hour)
	return d - d/10 + rand.N(d/5+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
