package agent

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// reconnectLater ends a connection whose site is draining (wire.Reconnect):
// the agent connects again within this long — to another site behind the
// same address, or to this one restarted — instead of after its backoff.
type reconnectLater time.Duration

func (r reconnectLater) Error() string {
	return fmt.Sprintf("the site is draining: reconnect within %s", time.Duration(r))
}

// maxReconnectWithin caps what a site may ask for, whatever it sent.
const maxReconnectWithin = 5 * time.Minute

// wait is a random delay below the window (full jitter): agents drained
// together spread their reconnections over the whole window.
func (r reconnectLater) wait() time.Duration {
	d := min(max(time.Duration(r), 0), maxReconnectWithin)
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// views tracks the views a connection started, so that a connection that
// ends for a Reconnect leaves them running on their own streams (the site
// relays them until they end) while one that ends otherwise stops them.
type views struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newViews(ctx context.Context) *views {
	v := &views{}
	v.ctx, v.cancel = context.WithCancel(ctx)
	return v
}

// start runs f on the views' context.
func (v *views) start(f func(ctx context.Context)) {
	v.wg.Go(func() { f(v.ctx) })
}

// end stops the views now, or, when the connection ended for a Reconnect,
// once they have ended by themselves.
func (v *views) end(err error) {
	var moved reconnectLater
	if !errors.As(err, &moved) {
		v.cancel()
		return
	}
	go func() {
		v.wg.Wait()
		v.cancel()
	}()
}
