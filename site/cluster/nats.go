package cluster

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Options configure a node's membership of a cluster over NATS.
type Options struct {
	URL string // nats://host:4222 (several: comma-separated), no credentials
	// Namespace keeps one site's subjects apart from another's on a shared
	// NATS: every subject is tether.<Namespace>.…; the site derives it from
	// its signing key, which every node of one site shares.
	Namespace string
	// Check is compared between nodes; a node whose Check differs is
	// ignored and logged (the site uses its certificate pin: a node serving
	// another certificate would be refused by every agent).
	Check  string
	Auth   Auth
	Logger *slog.Logger
	// HelloEvery is the heartbeat (default 1 s); a node not heard of for
	// DeadAfter (default 5 s) is forgotten with its agents and tunnels.
	HelloEvery time.Duration
	DeadAfter  time.Duration
}

// Presence frame flags (besides flagFromDialer, which only tunnels use).
const (
	flagSnapshot byte = 2 // a frame of a node's whole list
	flagReset    byte = 4 // the snapshot's first frame
	flagDone     byte = 8 // its last
)

// presenceBatch bounds the agents of one presence frame (≈ 60 bytes each
// as JSON); presenceFlush is how long announcements are batched.
const (
	presenceBatch = 2000
	presenceFlush = 20 * time.Millisecond
)

// Bus is a node's membership of a cluster over NATS (Cluster).
type Bus struct {
	o          Options
	nc         *nats.Conn
	self       string
	all, inbox string
	dir        *directory
	tun        *tunnels
	ch         chan *nats.Msg
	subs       []*nats.Subscription
	log        *slog.Logger

	hmu sync.RWMutex
	h   Handler

	// pmu orders presence: sequence numbers are taken and frames published
	// under it, so every node sees them in order.
	pmu     sync.Mutex
	own     map[string]Agent
	pending map[string]Agent
	seq     uint64

	mismatch sync.Map // nodes with another Check, ignored
	probing  sync.Map // nodes being probed
	done     chan struct{}
	wg       sync.WaitGroup
	closeMu  sync.Once
}

type hello struct {
	Seq   uint64 `json:"s"`
	Check string `json:"c"`
}

// Join connects to NATS and joins the site's cluster as a new node.
func Join(ctx context.Context, o Options) (*Bus, error) {
	if err := CheckURL(o.URL); err != nil {
		return nil, err
	}
	if o.Namespace == "" || strings.ContainsAny(o.Namespace, ".*> \t") {
		return nil, fmt.Errorf("cluster: namespace %q: want one subject token", o.Namespace)
	}
	o.HelloEvery = cmpDur(o.HelloEvery, time.Second)
	o.DeadAfter = cmpDur(o.DeadAfter, 5*o.HelloEvery)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Bus{o: o, self: newNodeID(), dir: newDirectory(), own: map[string]Agent{}, pending: map[string]Agent{},
		ch: make(chan *nats.Msg, 1<<16), done: make(chan struct{}), h: nopHandler{}}
	b.log = o.Logger.With("node", b.self)
	b.all = "tether." + o.Namespace + ".all"
	b.inbox = b.subject(b.self)
	b.tun = newTunnels(b.self, b.out, b.request)
	opts, err := o.Auth.options()
	if err != nil {
		return nil, err
	}
	opts = append(opts, nats.Name("tether-site "+b.self), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { b.log.Warn("cluster: NATS", "err", err) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { b.log.Warn("cluster: NATS connection lost", "err", err) }),
		nats.ReconnectHandler(func(nc *nats.Conn) { b.log.Info("cluster: NATS reconnected", "server", nc.ConnectedUrlRedacted()) }))
	if b.nc, err = nats.Connect(o.URL, opts...); err != nil {
		return nil, fmt.Errorf("cluster: connect to %s: %w", o.URL, err)
	}
	for _, subj := range []string{b.all, b.inbox} {
		sub, err := b.nc.ChanSubscribe(subj, b.ch)
		if err != nil {
			b.nc.Close()
			return nil, fmt.Errorf("cluster: subscribe %s: %w", subj, err)
		}
		b.subs = append(b.subs, sub)
	}
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := b.nc.FlushWithContext(fctx); err != nil {
		b.nc.Close()
		return nil, fmt.Errorf("cluster: %w", err)
	}
	b.sayHello()
	b.wg.Go(b.dispatch)
	b.wg.Go(func() { b.every(b.o.HelloEvery, b.heartbeat) })
	b.wg.Go(func() { b.every(presenceFlush, b.flush) })
	b.log.Info("cluster: joined", "nats", b.nc.ConnectedUrlRedacted(), "namespace", o.Namespace)
	return b, nil
}

func cmpDur(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func newNodeID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:12]
}

func (b *Bus) subject(node string) string { return "tether." + b.o.Namespace + ".node." + node }

// pub sends f as this node.
func (b *Bus) pub(subject string, f *frame) error {
	f.node = b.self
	return b.nc.Publish(subject, f.encode())
}

// out sends a tunnel frame to node.
func (b *Bus) out(node string, f *frame) error { return b.pub(b.subject(node), f) }

// request sends f to node and waits for its answer. NATS answers at once
// when nobody listens on node's subject any more: the node is gone (killed,
// or cut off from NATS), and is forgotten now rather than after DeadAfter.
func (b *Bus) request(ctx context.Context, node string, f *frame) (*frame, error) {
	f.node = b.self
	m, err := b.nc.RequestWithContext(ctx, b.subject(node), f.encode())
	if errors.Is(err, nats.ErrNoResponders) {
		b.log.Warn("cluster: node gone (nobody listens for it on NATS)", "peer", node)
		b.gone(node)
		return nil, ErrNoPeer
	}
	if err != nil {
		return nil, err
	}
	return decodeFrame(m.Data)
}

// answer replies to a request frame.
func (b *Bus) answer(reply string, f *frame) {
	f.node = b.self
	b.nc.Publish(reply, f.encode())
}

// probe asks a node that missed a hello whether it still listens.
func (b *Bus) probe(node string) {
	if _, busy := b.probing.LoadOrStore(node, true); busy {
		return
	}
	defer b.probing.Delete(node)
	ctx, cancel := context.WithTimeout(context.Background(), b.o.HelloEvery)
	defer cancel()
	b.request(ctx, node, &frame{kind: frameProbe})
}

func (b *Bus) Node() string                    { return b.self }
func (b *Bus) Locate(id string) (string, bool) { return b.dir.locate(id) }
func (b *Bus) Online(id string) bool           { return b.dir.online(id) }
func (b *Bus) JumpClients() int                { return b.dir.jumpClients() }
func (b *Bus) Peers() []string                 { return b.dir.nodes() }
func (b *Bus) Listener() net.Listener          { return b.tun }
func (b *Bus) Subscribe(h Handler)             { b.hmu.Lock(); b.h = h; b.hmu.Unlock() }
func (b *Bus) handler() Handler                { b.hmu.RLock(); defer b.hmu.RUnlock(); return b.h }

// Announce queues a change of this node's agents; flush publishes
// the queue every presenceFlush, so a reconnect storm costs a frame per
// presenceBatch agents, not one per agent.
func (b *Bus) Announce(a Agent) {
	b.pmu.Lock()
	defer b.pmu.Unlock()
	if a.Gone {
		delete(b.own, a.ID)
	} else {
		b.own[a.ID] = a
	}
	b.pending[a.ID] = a
}

func (b *Bus) Broadcast(e Event) {
	if err := b.pubEvent(b.all, e); err != nil {
		b.log.Warn("cluster: broadcast", "event", e.Kind, "err", err)
	}
}

func (b *Bus) Send(node string, e Event) error {
	if !b.dir.known(node) {
		return ErrNoPeer
	}
	return b.pubEvent(b.subject(node), e)
}

func (b *Bus) pubEvent(subject string, e Event) error {
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return b.pub(subject, &frame{kind: frameEvent, payload: raw})
}

func (b *Bus) Dial(ctx context.Context, node string) (net.Conn, error) {
	if !b.dir.known(node) {
		return nil, ErrNoPeer
	}
	return b.tun.dial(ctx, node)
}

// Close says bye (the others forget this node's agents at once), breaks
// the tunnels and disconnects.
func (b *Bus) Close() error {
	b.closeMu.Do(func() {
		b.pub(b.all, &frame{kind: frameBye})
		b.nc.Flush()
		close(b.done)
		b.tun.close()
		b.nc.Close()
		b.wg.Wait()
	})
	return nil
}

func (b *Bus) sayHello() {
	b.pmu.Lock()
	defer b.pmu.Unlock()
	raw, _ := json.Marshal(hello{Seq: b.seq, Check: b.o.Check})
	b.pub(b.all, &frame{kind: frameHello, payload: raw})
}

// every runs fn each d until the bus closes.
func (b *Bus) every(d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-b.done:
			return
		case <-t.C:
		}
		fn()
	}
}

// heartbeat says hello and forgets the nodes that stopped.
func (b *Bus) heartbeat() {
	b.sayHello()
	now := time.Now()
	for _, n := range b.dir.expired(now.Add(-b.o.DeadAfter)) {
		b.log.Warn("cluster: node stopped answering; its agents and tunnels are dropped", "peer", n)
		b.gone(n)
	}
	// A node that missed a hello is asked at once: a killed one is
	// known to NATS as gone, and forgotten within a hello or two.
	for _, n := range b.dir.expired(now.Add(-b.o.HelloEvery * 3 / 2)) {
		go b.probe(n)
	}
}

func (b *Bus) gone(node string) {
	b.dir.forget(node)
	b.tun.nodeGone(node)
}

// flush publishes the queued presence changes.
func (b *Bus) flush() {
	b.pmu.Lock()
	defer b.pmu.Unlock()
	if len(b.pending) == 0 {
		return
	}
	list := make([]Agent, 0, len(b.pending))
	for _, a := range b.pending {
		list = append(list, a)
	}
	clear(b.pending)
	b.publishPresence(b.all, list, 0, false)
}

// publishPresence sends list in frames of presenceBatch; the caller holds
// pmu. A delta takes a sequence number per frame; a snapshot's frames all
// carry the current one.
func (b *Bus) publishPresence(subject string, list []Agent, flags byte, snapshot bool) {
	for i := 0; i < len(list) || (snapshot && i == 0); i += presenceBatch {
		part := list[i:min(i+presenceBatch, len(list))]
		f := flags
		if snapshot {
			f |= flagSnapshot
			if i == 0 {
				f |= flagReset
			}
			if i+presenceBatch >= len(list) {
				f |= flagDone
			}
		} else {
			b.seq++
		}
		raw, _ := json.Marshal(part)
		if err := b.pub(subject, &frame{kind: framePresence, flags: f, seq: b.seq, payload: raw}); err != nil {
			b.log.Warn("cluster: presence", "err", err)
		}
	}
}

// sendSnapshot sends this node's whole list to node.
func (b *Bus) sendSnapshot(node string) {
	b.pmu.Lock()
	defer b.pmu.Unlock()
	list := make([]Agent, 0, len(b.own))
	for _, a := range b.own {
		list = append(list, a)
	}
	b.publishPresence(b.subject(node), list, 0, true)
}

// askSync asks node for its whole list.
func (b *Bus) askSync(node string) {
	b.pub(b.subject(node), &frame{kind: frameSync})
}

// dispatch handles every frame addressed to this node or to all, in the
// order NATS delivered them (both subscriptions feed one channel).
func (b *Bus) dispatch() {
	for {
		var m *nats.Msg
		select {
		case <-b.done:
			return
		case m = <-b.ch:
		}
		f, err := decodeFrame(m.Data)
		if err != nil {
			b.log.Debug("cluster: bad frame", "subject", m.Subject, "err", err)
			continue
		}
		if f.node == b.self {
			continue
		}
		if _, bad := b.mismatch.Load(f.node); bad {
			continue
		}
		b.handle(f, m.Reply)
	}
}

func (b *Bus) handle(f *frame, reply string) {
	now := time.Now()
	switch f.kind {
	case frameHello:
		var h hello
		if json.Unmarshal(f.payload, &h) != nil {
			return
		}
		if h.Check != b.o.Check {
			b.mismatch.Store(f.node, true)
			b.gone(f.node)
			b.log.Error("cluster: a node of this site serves another certificate; it is ignored (copy the same data dir files or --tls-cert to every node)", "peer", f.node)
			return
		}
		if b.dir.hello(f.node, h.Seq, now) {
			b.askSync(f.node)
		}
	case frameBye:
		b.log.Info("cluster: node left", "peer", f.node)
		b.gone(f.node)
	case framePresence:
		var list []Agent
		if json.Unmarshal(f.payload, &list) != nil {
			return
		}
		claims, sync := b.dir.presence(f.node, f.seq, list, f.flags&flagSnapshot != 0, f.flags&flagReset != 0, f.flags&flagDone != 0, now)
		if sync {
			b.askSync(f.node)
		}
		h := b.handler()
		for _, a := range claims {
			h.Claimed(f.node, a)
		}
	case frameSync:
		go b.sendSnapshot(f.node)
	case frameOpen:
		if reply != "" {
			b.tun.opening(f.node, f, func(r *frame) { b.answer(reply, r) })
		}
	case frameProbe:
		if reply != "" {
			b.answer(reply, &frame{kind: frameAck, payload: make([]byte, 8)})
		}
	case frameEvent:
		var e Event
		if json.Unmarshal(f.payload, &e) != nil {
			return
		}
		e.From = f.node
		b.handler().Event(e)
	default:
		b.tun.receive(f.node, f)
	}
}

type nopHandler struct{}

func (nopHandler) Event(Event)           {}
func (nopHandler) Claimed(string, Agent) {}

var _ Cluster = (*Bus)(nil)
var _ Cluster = (*Single)(nil)
