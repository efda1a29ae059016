// Package cluster joins the site nodes that share one database
// (`tether-site serve --cluster nats://…`). It carries four things between
// them over NATS:
//
//   - presence: which node holds which agent's control channel, so that any
//     node can tell whether an agent is online, count the connected jump
//     clients, and find the node to forward an agent's requests to;
//   - events for the site on other nodes: a session ended, a message for an
//     agent connected elsewhere, a passive jump client wanted, a rate
//     limit's spend;
//   - tunnels: flow-controlled byte streams to another node, on which the
//     site forwards HTTP requests and WebSocket streams to the node that
//     holds the agent (site/forward.go);
//   - node liveness: a node that stops saying hello is forgotten, with its
//     agents and tunnels.
//
// One node alone needs none of it: Single is the default and costs nothing.
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"time"
)

// Cluster is what a site node needs from its peers.
type Cluster interface {
	// Node is this node's ID ("" for Single): stream IDs carry it so that
	// any node can tell where a stream is served.
	Node() string
	// Announce tells the other nodes that this node's connections for an
	// agent changed (a.Gone: it holds none any more).
	Announce(a Agent)
	// Locate returns another node that holds a bound control channel of
	// id (the one that claimed it last), else one that holds any of its
	// connections.
	Locate(id string) (node string, ok bool)
	// Online reports whether another node holds any connection of id.
	Online(id string) bool
	// JumpClients counts the jump clients the other nodes hold.
	JumpClients() int
	// Peers lists the other live nodes.
	Peers() []string
	// Broadcast sends e to every other node; Send to one.
	Broadcast(e Event)
	Send(node string, e Event) error
	// Dial opens a tunnel to node; Listener yields the tunnels other nodes
	// open to this one.
	Dial(ctx context.Context, node string) (net.Conn, error)
	Listener() net.Listener
	// Subscribe sets what handles the other nodes' news. Call it once,
	// before traffic matters.
	Subscribe(h Handler)
	// Close leaves the cluster: the others forget this node's agents at
	// once, and every tunnel closes.
	Close() error
}

// Handler receives the other nodes' news. Its methods run on the bus's
// dispatch goroutine and must not block.
type Handler interface {
	// Event is an Event another node sent.
	Event(e Event)
	// Claimed is another node's news that it now holds agent a (a fresh
	// connection, not a node's whole list): this node closes an older
	// connection of the same agent, and wakes what waited for it.
	Claimed(node string, a Agent)
}

// Agent is one agent's presence on a node.
type Agent struct {
	ID string `json:"i"`
	// Jump marks a jump client (else a support app).
	Jump bool `json:"j,omitempty"`
	// Bound is set when the node holds the agent's bound control channel;
	// a support app whose session is not activated yet is unbound, and
	// several computers may wait so on several nodes.
	Bound bool `json:"b,omitempty"`
	// Gone: the node holds no connection of the agent any more.
	Gone bool `json:"g,omitempty"`
}

// Event kinds.
const (
	// EventEnd: session ID ended with Code; its agents are told and
	// disconnected.
	EventEnd = "end"
	// EventSend: Msg (a wire message) for the agent ID; Close disconnects
	// it afterwards.
	EventSend = "send"
	// EventWake: a jump waits for the passive jump client ID until Until.
	EventWake = "wake"
	// EventLimit: a spend of the shared rate limit Limit (Op, Key).
	EventLimit = "limit"
)

// Event is news for the site on other nodes.
type Event struct {
	Kind  string          `json:"k"`
	ID    string          `json:"i,omitempty"`
	Code  string          `json:"c,omitempty"`
	Msg   json.RawMessage `json:"m,omitempty"`
	Close bool            `json:"x,omitempty"`
	Until time.Time       `json:"u,omitzero"`
	Limit string          `json:"l,omitempty"`
	Op    string          `json:"o,omitempty"`
	Key   []byte          `json:"y,omitempty"`
	// From is the node that sent it (set on receipt).
	From string `json:"-"`
}

// ErrNoPeer is Send's and Dial's answer for a node that is not (or no
// longer) in the cluster.
var ErrNoPeer = errors.New("cluster: no such node")

// Single is one node alone: nothing is elsewhere.
type Single struct{ ln *idleListener }

// NewSingle returns the cluster of one node.
func NewSingle() *Single { return &Single{ln: newIdleListener()} }

func (*Single) Node() string                                   { return "" }
func (*Single) Announce(Agent)                                 {}
func (*Single) Locate(string) (string, bool)                   { return "", false }
func (*Single) Online(string) bool                             { return false }
func (*Single) JumpClients() int                               { return 0 }
func (*Single) Peers() []string                                { return nil }
func (*Single) Broadcast(Event)                                {}
func (*Single) Send(string, Event) error                       { return ErrNoPeer }
func (s *Single) Listener() net.Listener                       { return s.ln }
func (*Single) Subscribe(Handler)                              {}
func (s *Single) Close() error                                 { return s.ln.Close() }
func (*Single) Dial(context.Context, string) (net.Conn, error) { return nil, ErrNoPeer }

// idleListener never yields a connection; Accept returns once it is closed.
type idleListener struct{ done chan struct{} }

func newIdleListener() *idleListener { return &idleListener{done: make(chan struct{})} }

func (l *idleListener) Accept() (net.Conn, error) {
	<-l.done
	return nil, net.ErrClosed
}

func (l *idleListener) Close() error {
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	return nil
}

func (l *idleListener) Addr() net.Addr { return nodeAddr("local") }

// nodeAddr is the address of a tunnel's end: the node it leads to.
type nodeAddr string

func (a nodeAddr) Network() string { return "tether-cluster" }
func (a nodeAddr) String() string  { return string(a) }
