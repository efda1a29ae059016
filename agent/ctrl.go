package agent

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/internal/wsutil"
	"github.com/tetherhq/tether/wire"
)

// ctrl is an agent's control channel to the site. A reader goroutine takes
// every message off the socket as it arrives, so the link's heartbeat is
// answered even while the agent waits on its customer (a security-code
// prompt), and recv hands the other messages over in order.
type ctrl struct {
	conn     *websocket.Conn
	msgs     chan wire.Msg
	done     chan struct{} // closed when the reader stops; err says why
	err      error
	quit     chan struct{} // closed by close
	once     sync.Once
	lastRecv atomic.Int64 // unix nanoseconds of the last message from the site
	// early holds messages that came before the answer a caller waited
	// for (activationAnswer), for recv to hand out first. Only the
	// goroutine that calls recv touches it.
	early []wire.Msg
}

func newCtrl(conn *websocket.Conn) *ctrl {
	c := &ctrl{conn: conn, msgs: make(chan wire.Msg, 16), done: make(chan struct{}), quit: make(chan struct{})}
	c.lastRecv.Store(time.Now().UnixNano())
	go c.read()
	return c
}

func (c *ctrl) read() {
	defer close(c.done)
	for {
		_, b, err := c.conn.Read(context.Background())
		if err != nil {
			c.err = err
			return
		}
		c.lastRecv.Store(time.Now().UnixNano())
		m, err := wire.Decode(b)
		if err != nil {
			continue // a newer site's message this agent does not know
		}
		if _, ok := m.(*wire.Beat); ok {
			continue
		}
		select {
		case c.msgs <- m:
		case <-c.quit:
			return
		}
	}
}

// close drops the link and stops the reader.
func (c *ctrl) close() {
	c.once.Do(func() { close(c.quit) })
	c.conn.CloseNow()
}

func (c *ctrl) send(ctx context.Context, m wire.Msg) error {
	b, err := wire.Encode(m)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	return c.conn.Write(wctx, websocket.MessageText, b)
}

// recv returns the site's next message; beats are not passed on.
func (c *ctrl) recv(ctx context.Context) (wire.Msg, error) {
	if len(c.early) > 0 {
		m := c.early[0]
		c.early = c.early[1:]
		return m, nil
	}
	select {
	case m := <-c.msgs:
		return m, nil
	default:
	}
	select {
	case m := <-c.msgs:
		return m, nil
	case <-c.done:
		select { // messages read before the link dropped come first
		case m := <-c.msgs:
			return m, nil
		default:
		}
		return nil, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// beatTimeout is how long the site may take to answer a beat.
const beatTimeout = 15 * time.Second

// keepAlive sends a beat every interval until ctx ends and closes the link
// when the site has sent nothing for beatTimeout (or the interval, when
// shorter) after one: a dead link is noticed even when TCP does not notice
// it. A site that does not answer beats (beats false: from before them) is
// pinged instead, as the site pings agents that do not beat.
func (c *ctrl) keepAlive(ctx context.Context, every time.Duration, beats bool) {
	if every <= 0 {
		every = 25 * time.Second
	}
	if !beats { // the reader goroutine takes the pongs
		defer wsutil.StartHeartbeat(ctx, c.conn, every)()
		select {
		case <-ctx.Done():
		case <-c.done:
		}
		return
	}
	t := time.NewTimer(every)
	defer t.Stop()
	wait := func(d time.Duration) bool {
		t.Reset(d)
		select {
		case <-ctx.Done():
			return false
		case <-c.done:
			return false
		case <-t.C:
			return true
		}
	}
	next := every
	for wait(next) {
		next = every
		sent := time.Now()
		if err := c.send(ctx, wire.Beat{}); err != nil {
			c.close()
			return
		}
		if !wait(min(beatTimeout, every)) {
			return
		}
		if c.lastRecv.Load() < sent.UnixNano() {
			c.conn.Close(websocket.StatusGoingAway, "heartbeat timeout")
			return
		}
		next = max(every-time.Since(sent), time.Millisecond) // keep the cadence
	}
}
