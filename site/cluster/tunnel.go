package cluster

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Tunnels are byte streams between two nodes over the bus, each a net.Conn
// with TCP's promises that matter here: bytes arrive in order or the tunnel
// breaks (every data frame is numbered), and a slow reader slows the writer
// down instead of piling bytes up in between (the reader grants credit,
// window bytes at a time). Everything a site forwards to another node —
// API requests, viewer and agent streams — goes through one.

// window is how many bytes may be in flight on one tunnel unread; chunk is
// the largest data frame (far below NATS' default 1 MB max_payload).
const (
	window = 512 << 10
	chunk  = 32 << 10
)

// openTimeout bounds Dial's wait for the other node's acknowledgement.
const openTimeout = 3 * time.Second

var (
	errTunnelClosed = errors.New("cluster: tunnel closed")
	errNodeGone     = errors.New("cluster: the other node left the cluster")
)

type tunnelKey struct {
	node   string
	id     uint64
	dialer bool // this node opened it
}

// tunnels are one node's tunnels; out sends a frame to a node, request
// sends one and waits for the answer (a tunnel's opening: a node that is
// gone answers at once, through NATS' "no responders").
type tunnels struct {
	self    string
	out     func(node string, f *frame) error
	request func(ctx context.Context, node string, f *frame) (*frame, error)

	mu     sync.Mutex
	next   uint64
	conns  map[tunnelKey]*tunnelConn
	accept chan *tunnelConn
	done   chan struct{}
	closed bool
}

func newTunnels(self string, out func(string, *frame) error, request func(context.Context, string, *frame) (*frame, error)) *tunnels {
	return &tunnels{self: self, out: out, request: request, conns: map[tunnelKey]*tunnelConn{},
		accept: make(chan *tunnelConn, 256), done: make(chan struct{})}
}

func (t *tunnels) newConn(k tunnelKey) *tunnelConn {
	c := &tunnelConn{t: t, key: k}
	c.cond = sync.NewCond(&c.mu)
	return c
}

// dial opens a tunnel to node and waits until it is accepted.
func (t *tunnels) dial(ctx context.Context, node string) (net.Conn, error) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, net.ErrClosed
	}
	t.next++
	c := t.newConn(tunnelKey{node: node, id: t.next, dialer: true})
	t.conns[c.key] = c
	t.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	resp, err := t.request(ctx, node, &frame{kind: frameOpen, flags: flagFromDialer, tunnel: c.key.id})
	switch {
	case err != nil:
	case resp.kind == frameClose:
		err = fmt.Errorf("refused: %s", resp.payload)
	case resp.kind != frameAck:
		err = fmt.Errorf("answered %q", resp.kind)
	}
	if err != nil {
		err = fmt.Errorf("cluster: open a tunnel to %s: %w", node, err)
		c.reset(err)
		return nil, err
	}
	return c, nil
}

// receive handles a tunnel frame from node.
func (t *tunnels) receive(node string, f *frame) {
	k := tunnelKey{node: node, id: f.tunnel, dialer: f.flags&flagFromDialer == 0}
	t.mu.Lock()
	c := t.conns[k]
	t.mu.Unlock()
	if c == nil {
		if f.kind != frameClose { // the other side thinks it is open: tell it
			t.out(node, &frame{kind: frameClose, flags: flipDialer(k), tunnel: k.id, payload: []byte("no such tunnel")})
		}
		return
	}
	switch f.kind {
	case frameData:
		c.data(f.seq, f.payload)
	case frameAck:
		c.ack(binary.BigEndian.Uint64(f.payload))
	case frameClose:
		c.peerClosed(string(f.payload))
	}
}

// flipDialer is the flag of frames this node sends on tunnel k.
func flipDialer(k tunnelKey) byte {
	if k.dialer {
		return flagFromDialer
	}
	return 0
}

// opening accepts a tunnel another node opened; reply answers its request.
func (t *tunnels) opening(node string, f *frame, reply func(*frame)) {
	k := tunnelKey{node: node, id: f.tunnel}
	t.mu.Lock()
	if t.closed || t.conns[k] != nil {
		t.mu.Unlock()
		reply(&frame{kind: frameClose, tunnel: k.id, payload: []byte("refused")})
		return
	}
	c := t.newConn(k)
	t.conns[k] = c
	t.mu.Unlock()
	select {
	case t.accept <- c:
		reply(&frame{kind: frameAck, tunnel: k.id, payload: make([]byte, 8)})
	default: // nobody accepts fast enough: the dialer fails
		c.reset(errors.New("busy"))
		reply(&frame{kind: frameClose, tunnel: k.id, payload: []byte("busy")})
	}
}

// nodeGone breaks every tunnel to node (it left or stopped saying hello).
func (t *tunnels) nodeGone(node string) {
	for _, c := range t.list(func(k tunnelKey) bool { return k.node == node }) {
		c.reset(errNodeGone)
	}
}

func (t *tunnels) list(match func(tunnelKey) bool) []*tunnelConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*tunnelConn
	for k, c := range t.conns {
		if match(k) {
			out = append(out, c)
		}
	}
	return out
}

func (t *tunnels) drop(c *tunnelConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conns[c.key] == c {
		delete(t.conns, c.key)
	}
}

// close breaks every tunnel and ends Accept.
func (t *tunnels) close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	close(t.done)
	t.mu.Unlock()
	for _, c := range t.list(func(tunnelKey) bool { return true }) {
		c.Close()
	}
}

// Accept, Close and Addr make tunnels the node's net.Listener.
func (t *tunnels) Accept() (net.Conn, error) {
	select {
	case c := <-t.accept:
		return c, nil
	case <-t.done:
		return nil, net.ErrClosed
	}
}

func (t *tunnels) Close() error   { t.close(); return nil }
func (t *tunnels) Addr() net.Addr { return nodeAddr(t.self) }

// tunnelConn is one end of a tunnel.
type tunnelConn struct {
	t   *tunnels
	key tunnelKey

	wmu sync.Mutex // one Write at a time: frames go out in sequence

	mu       sync.Mutex
	cond     *sync.Cond
	rbuf     [][]byte
	rseq     uint64 // the next data frame's number
	consumed uint64 // bytes read by the user
	acked    uint64 // consumed when the last ack went out
	sent     uint64 // bytes sent
	credit   uint64 // bytes the other side has read
	wseq     uint64
	eof      bool  // the other side closed
	closed   bool  // Close was called
	err      error // broken
	rdl, wdl time.Time
	rtimer   *time.Timer
	wtimer   *time.Timer
}

// reset breaks the tunnel locally (no close frame: the other side is gone
// or never knew of it).
func (c *tunnelConn) reset(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	c.t.drop(c)
}

func (c *tunnelConn) data(seq uint64, b []byte) {
	c.mu.Lock()
	if seq != c.rseq {
		c.mu.Unlock()
		c.t.out(c.key.node, &frame{kind: frameClose, flags: flipDialer(c.key), tunnel: c.key.id, payload: []byte("lost data")})
		c.reset(fmt.Errorf("cluster: tunnel lost data (frame %d, want %d)", seq, c.rseq))
		return
	}
	c.rseq++
	if len(b) > 0 && c.err == nil && !c.closed {
		c.rbuf = append(c.rbuf, b) // b is this frame's own: nats.go gives each message its buffer
	}
	c.cond.Broadcast()
	c.mu.Unlock()
}

func (c *tunnelConn) ack(total uint64) {
	c.mu.Lock()
	if total > c.credit {
		c.credit = total
	}
	c.cond.Broadcast()
	c.mu.Unlock()
}

func (c *tunnelConn) peerClosed(reason string) {
	c.mu.Lock()
	if reason != "closed" && c.err == nil { // refused, busy, lost data: not a clean end
		c.err = fmt.Errorf("cluster: tunnel closed by the other node: %s", reason)
	}
	c.eof = true
	closed := c.closed
	c.cond.Broadcast()
	c.mu.Unlock()
	if closed {
		c.t.drop(c)
	}
}

// wait blocks on the cond until ready or the deadline passes; the caller
// holds mu.
func (c *tunnelConn) wait(ready func() bool, deadline *time.Time) error {
	for !ready() {
		if !deadline.IsZero() && !time.Now().Before(*deadline) {
			return os.ErrDeadlineExceeded
		}
		c.cond.Wait()
	}
	return nil
}

func (c *tunnelConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	err := c.wait(func() bool { return len(c.rbuf) > 0 || c.eof || c.closed || c.err != nil }, &c.rdl)
	switch {
	case err != nil:
	case len(c.rbuf) > 0:
	case c.closed:
		err = net.ErrClosed
	case c.err != nil:
		err = c.err
	default:
		err = io.EOF
	}
	if err != nil {
		c.mu.Unlock()
		return 0, err
	}
	n := copy(p, c.rbuf[0])
	if n == len(c.rbuf[0]) {
		c.rbuf[0] = nil
		c.rbuf = c.rbuf[1:]
	} else {
		c.rbuf[0] = c.rbuf[0][n:]
	}
	c.consumed += uint64(n)
	var ack []byte
	if c.consumed-c.acked >= window/4 {
		c.acked = c.consumed
		ack = binary.BigEndian.AppendUint64(nil, c.consumed)
	}
	c.mu.Unlock()
	if ack != nil {
		c.t.out(c.key.node, &frame{kind: frameAck, flags: flipDialer(c.key), tunnel: c.key.id, payload: ack})
	}
	return n, nil
}

func (c *tunnelConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	written := 0
	for written < len(p) {
		c.mu.Lock()
		err := c.wait(func() bool { return c.sent-c.credit < window || c.closed || c.err != nil || c.eof }, &c.wdl)
		switch {
		case err != nil:
		case c.closed:
			err = net.ErrClosed
		case c.err != nil:
			err = c.err
		case c.eof:
			err = errTunnelClosed
		}
		if err != nil {
			c.mu.Unlock()
			return written, err
		}
		n := min(len(p)-written, chunk, int(window-(c.sent-c.credit)))
		seq := c.wseq
		c.wseq++
		c.sent += uint64(n)
		c.mu.Unlock()
		f := &frame{kind: frameData, flags: flipDialer(c.key), tunnel: c.key.id, seq: seq, payload: p[written : written+n]}
		if err := c.t.out(c.key.node, f); err != nil {
			c.reset(err)
			return written, err
		}
		written += n
	}
	return written, nil
}

// Close tells the other side and releases the tunnel.
func (c *tunnelConn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	broken := c.err != nil
	c.stopTimers()
	c.cond.Broadcast()
	c.mu.Unlock()
	if !broken {
		c.t.out(c.key.node, &frame{kind: frameClose, flags: flipDialer(c.key), tunnel: c.key.id, payload: []byte("closed")})
	}
	c.t.drop(c)
	return nil
}

func (c *tunnelConn) stopTimers() {
	for _, t := range []*time.Timer{c.rtimer, c.wtimer} {
		if t != nil {
			t.Stop()
		}
	}
}

func (c *tunnelConn) LocalAddr() net.Addr  { return nodeAddr(c.t.self) }
func (c *tunnelConn) RemoteAddr() net.Addr { return nodeAddr(c.key.node) }

func (c *tunnelConn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

func (c *tunnelConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rdl = t
	c.rtimer = c.armDeadline(c.rtimer, t)
	return nil
}

func (c *tunnelConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wdl = t
	c.wtimer = c.armDeadline(c.wtimer, t)
	return nil
}

// armDeadline wakes the waiters when t passes; the caller holds mu.
func (c *tunnelConn) armDeadline(old *time.Timer, t time.Time) *time.Timer {
	if old != nil {
		old.Stop()
	}
	c.cond.Broadcast() // a deadline in the past or moved: waiters look again
	if t.IsZero() {
		return nil
	}
	return time.AfterFunc(time.Until(t), func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
}
