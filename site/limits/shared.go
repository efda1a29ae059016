package limits

import "sync"

// Shared carries the spends of limits between the nodes of a cluster, so
// that a guesser spreading attempts over the nodes behind a load balancer
// gets one budget, not one per node. Each shared limit publishes what it
// spends; the others apply it to their own copy. The copies agree within
// the bus's delay (milliseconds): at most one attempt per node can slip
// through in that window.
type Shared struct {
	publish func(limit, op string, key []byte)
	mu      sync.RWMutex
	apply   map[string]func(op, key string)
}

// Ops a shared limit publishes.
const (
	OpSpend = "s" // a token taken for key
	OpReset = "r" // key forgotten (a success)
	OpFail  = "f" // a failure counted against key (Login's names)
)

// NewShared returns the carrier; publish sends to the other nodes.
func NewShared(publish func(limit, op string, key []byte)) *Shared {
	return &Shared{publish: publish, apply: map[string]func(op, key string){}}
}

// Apply applies another node's spend of limit.
func (s *Shared) Apply(limit, op string, key []byte) {
	s.mu.RLock()
	f := s.apply[limit]
	s.mu.RUnlock()
	if f != nil {
		f(op, string(key))
	}
}

// register makes name a shared limit applied by f, and returns what
// publishes its spends.
func (s *Shared) register(name string, f func(op, key string)) func(op, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apply[name] = f
	return func(op, key string) { s.publish(name, op, []byte(key)) }
}

// Share makes l one of the shared limits, named name on every node.
func (l *Bucket) Share(s *Shared, name string) {
	l.shared = s.register(name, l.remote)
}

// remote applies another node's spend, without publishing it again.
func (l *Bucket) remote(op, key string) {
	switch op {
	case OpSpend:
		l.spend(key)
	case OpReset:
		l.reset(key)
	}
}

// tell publishes a spend when l is shared.
func (l *Bucket) tell(op, key string) {
	if l.shared != nil {
		l.shared(op, key)
	}
}

// Share shares the address's and the prefix's buckets.
func (a *Addr) Share(s *Shared, name string) {
	a.addr.Share(s, name+".addr")
	a.prefix.Share(s, name+".prefix")
}

// Share shares the gate's failures (the alert stays with the node that
// saw the failure).
func (g *FailureGate) Share(s *Shared, name string) { g.bucket.Share(s, name) }

// Share shares the per-address and per-(name, address) budgets and the
// slow-down of guessed-at names.
func (l *Login) Share(s *Shared, name string) {
	l.addr.Share(s, name+".addr")
	l.pair.Share(s, name+".pair")
	l.shared = s.register(name+".names", func(op, key string) {
		if op == OpFail {
			l.failedName(key)
		}
	})
}
