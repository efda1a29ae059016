package cluster

import (
	"sync"
	"time"
)

// directory is what this node knows of the other nodes: when each last
// said hello and which agents it holds. Each node is the authority on its
// own agents; the others apply its presence frames in its sequence order.
// A gap in the sequence (a frame the bus dropped) or a hello announcing a
// later sequence than applied asks that node for its whole list again.
type directory struct {
	mu    sync.Mutex
	peers map[string]*peer
	// arrivals numbers claims in the order they reached this node: when two
	// nodes claim one agent (an old connection not yet noticed dead), the
	// later claim is the one to forward to.
	arrivals uint64
}

type peer struct {
	seen time.Time
	seq  uint64 // the last presence sequence number applied
	// syncing is set from a snapshot's first frame to its last, and
	// asked when the sync was asked for (not asked again before a while).
	syncing bool
	asked   time.Time
	agents  map[string]entry
	jumps   int
}

type entry struct {
	jump, bound bool
	at          uint64
}

func newDirectory() *directory { return &directory{peers: map[string]*peer{}} }

// syncRetry is how long a sync asked for may take before it is asked again.
const syncRetry = 3 * time.Second

// peerOf returns node's state, creating it; the caller holds mu.
func (d *directory) peerOf(node string, now time.Time) (p *peer, isNew bool) {
	p = d.peers[node]
	if p == nil {
		p = &peer{seen: now, agents: map[string]entry{}}
		d.peers[node] = p
		isNew = true
	}
	return p, isNew
}

// hello records a node's heartbeat carrying its presence sequence number;
// it reports whether this node should ask it for its whole list.
func (d *directory) hello(node string, seq uint64, now time.Time) (sync bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, isNew := d.peerOf(node, now)
	p.seen = now
	return d.wantSync(p, isNew || seq != p.seq, now)
}

// wantSync decides whether to ask for a snapshot now; the caller holds mu.
func (d *directory) wantSync(p *peer, need bool, now time.Time) bool {
	if !need || (p.syncing && now.Sub(p.asked) < syncRetry) {
		return false
	}
	p.syncing, p.asked = true, now
	return true
}

// presence applies a frame of node's agents. A snapshot (several frames:
// reset on the first, done on the last) replaces the list; a delta changes
// it and, unless it is stale, is news: its claims are returned for the
// site. sync reports a gap: ask node for its whole list.
func (d *directory) presence(node string, seq uint64, agents []Agent, snap, reset, done bool, now time.Time) (claims []Agent, sync bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, isNew := d.peerOf(node, now)
	p.seen = now
	switch {
	case snap && reset:
		p.agents, p.jumps, p.seq = map[string]entry{}, 0, seq
	case snap:
	case isNew || seq > p.seq+1: // a gap: apply what came, ask for the rest
		p.seq = seq
		sync = d.wantSync(p, true, now)
	case seq <= p.seq:
		return nil, false // already in a snapshot applied later
	default:
		p.seq = seq
	}
	for _, a := range agents {
		d.set(p, a)
		if !snap && !a.Gone {
			claims = append(claims, a)
		}
	}
	if snap && done {
		p.syncing = false
	}
	return claims, sync
}

// set applies one agent's presence; the caller holds mu.
func (d *directory) set(p *peer, a Agent) {
	old, had := p.agents[a.ID]
	if had && old.jump {
		p.jumps--
	}
	if a.Gone {
		delete(p.agents, a.ID)
		return
	}
	d.arrivals++
	p.agents[a.ID] = entry{jump: a.Jump, bound: a.Bound, at: d.arrivals}
	if a.Jump {
		p.jumps++
	}
}

// forget drops a node (it said bye, or stopped saying hello).
func (d *directory) forget(node string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.peers[node]
	delete(d.peers, node)
	return ok
}

// expired returns the nodes not heard of since before deadline.
func (d *directory) expired(deadline time.Time) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for n, p := range d.peers {
		if p.seen.Before(deadline) {
			out = append(out, n)
		}
	}
	return out
}

func (d *directory) known(node string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.peers[node] != nil
}

func (d *directory) nodes() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]string, 0, len(d.peers))
	for n := range d.peers {
		out = append(out, n)
	}
	return out
}

func (d *directory) online(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.peers {
		if _, ok := p.agents[id]; ok {
			return true
		}
	}
	return false
}

// locate is the node whose claim of a bound channel of id came last, else
// (a support app not activated yet, or whose activation is still on its
// way here) the last node that holds any connection of it.
func (d *directory) locate(id string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var best string
	var at uint64
	bound := false
	for n, p := range d.peers {
		e, ok := p.agents[id]
		if !ok || (bound && !e.bound) {
			continue
		}
		if (e.bound && !bound) || e.at > at {
			best, at, bound = n, e.at, e.bound
		}
	}
	return best, best != ""
}

func (d *directory) jumpClients() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, p := range d.peers {
		n += p.jumps
	}
	return n
}
