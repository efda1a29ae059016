package site

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/site/cluster"
	"github.com/tetherhq/tether/site/limits"
	"github.com/tetherhq/tether/wire"
)

// The site's side of a cluster (package cluster; docs/OPERATIONS.md
// "Several nodes"). Each node holds the control channels of the agents
// that connected to it. The hub announces every change to the others, and
// their news comes back here: an agent that connected elsewhere replaces
// this node's older connection of it, a session ended elsewhere ends here
// too, a message for an agent connected here is delivered, a passive jump
// client wanted elsewhere stays when it checks in here, and the shared
// rate limits' spends are applied. What needs the agent's connection (a
// view, the toolkit, chat, pins, reboots) is forwarded to the node that
// holds it (forward.go).

// clusterLink is the cluster state of a Server.
type clusterLink struct {
	announceMu sync.Mutex // a change and its announcement, one at a time
	shared     *limits.Shared

	// jumpOf remembers each session's jump client ("" for a support
	// app's), which never changes once the session exists: forwarding
	// looks it up for every API call of a jump session (agentNode).
	jumpMu sync.Mutex
	jumpOf map[string]string
}

// maxJumpOf bounds clusterLink.jumpOf; past it the map starts over.
const maxJumpOf = 1 << 14

// jumpClientOf is session id's jump client ("" for a support app), from
// the store the first time.
func (s *Server) jumpClientOf(ctx context.Context, id string) (string, error) {
	l := &s.link
	l.jumpMu.Lock()
	jc, ok := l.jumpOf[id]
	l.jumpMu.Unlock()
	if ok {
		return jc, nil
	}
	ss, err := s.store.Session(ctx, id)
	if err != nil {
		return "", err
	}
	l.jumpMu.Lock()
	if l.jumpOf == nil || len(l.jumpOf) >= maxJumpOf {
		l.jumpOf = map[string]string{}
	}
	l.jumpOf[id] = ss.JumpClientID
	l.jumpMu.Unlock()
	return ss.JumpClientID, nil
}

// joinCluster joins the nodes of Options.Cluster, or makes this node a
// cluster of one.
func (s *Server) joinCluster(ctx context.Context) error {
	if s.opts.Cluster == "" {
		s.cluster = cluster.NewSingle()
		return nil
	}
	c, err := cluster.Join(ctx, cluster.Options{URL: s.opts.Cluster, Namespace: clusterNamespace(s.SiteKey()),
		Check: s.pin, Auth: s.opts.ClusterAuth, Logger: s.log})
	if err != nil {
		return err
	}
	s.cluster = c
	s.presence = clusterPresence{s}
	s.hub.changed = s.announce
	s.link.shared = limits.NewShared(func(limit, op string, key []byte) {
		c.Broadcast(cluster.Event{Kind: cluster.EventLimit, Limit: limit, Op: op, Key: key})
	})
	s.limits.share(s.link.shared)
	c.Subscribe(clusterNews{s})
	return nil
}

// clusterNamespace keeps sites apart on one NATS: every node of a site has
// its signing key (the data dir's site.key), so it names the site's
// subjects without another setting to get wrong.
func clusterNamespace(siteKey []byte) string {
	h := sha256.Sum256(append([]byte("tether cluster namespace\x00"), siteKey...))
	return hex.EncodeToString(h[:8])
}

// announce tells the other nodes what this node now holds of agent id.
func (s *Server) announce(id string) {
	s.link.announceMu.Lock()
	defer s.link.announceMu.Unlock()
	present, bound, jump := s.hub.presenceOf(id)
	s.cluster.Announce(cluster.Agent{ID: id, Jump: jump, Bound: bound, Gone: !present})
}

// clusterPresence is Presence over every node: this node's hub and what
// the others announced.
type clusterPresence struct{ s *Server }

func (p clusterPresence) Online(id string) bool {
	return p.s.hub.online(id) || p.s.cluster.Online(id)
}

func (p clusterPresence) JumpClients() int {
	return p.s.hub.jumpClients() + p.s.cluster.JumpClients()
}

// End ends the session's agents wherever they are connected: support apps
// waiting for the security code may sit on several nodes.
func (p clusterPresence) End(id string, code wire.Code) {
	p.s.hub.end(id, code)
	p.s.cluster.Broadcast(cluster.Event{Kind: cluster.EventEnd, ID: id, Code: string(code)})
}

// deliverLocal sends m to agent id if this node holds it and, with
// disconnect, drops its connection afterwards.
func (s *Server) deliverLocal(ctx context.Context, id string, m wire.Msg, disconnect bool) bool {
	ac := s.hub.get(id)
	if ac == nil {
		return false
	}
	ac.send(ctx, m)
	if disconnect {
		ac.closeNow()
	}
	return true
}

// sendAgent delivers m to agent id wherever it is connected and, with
// disconnect, drops its connection afterwards. It reports whether the
// agent was found.
func (s *Server) sendAgent(ctx context.Context, id string, m wire.Msg, disconnect bool) bool {
	if s.deliverLocal(ctx, id, m, disconnect) {
		return true
	}
	node, ok := s.cluster.Locate(id)
	if !ok {
		return false
	}
	raw, err := wire.Encode(m)
	if err == nil {
		err = s.cluster.Send(node, cluster.Event{Kind: cluster.EventSend, ID: id, Msg: raw, Close: disconnect})
	}
	if err != nil {
		s.log.Warn("cluster: message for an agent on another node", "agent", id, "node", node, "err", err)
		return false
	}
	return true
}

// clusterNews handles the other nodes' news (cluster.Handler). It runs on
// the bus's goroutine: anything that writes to an agent goes on its own.
type clusterNews struct{ s *Server }

func (n clusterNews) Claimed(node string, a cluster.Agent) {
	s := n.s
	if !a.Bound {
		return
	}
	if a.Jump {
		s.passive.woke(a.ID) // a jump waiting for a passive client here
	}
	old, waiting := s.hub.movedAway(a.ID)
	if old == nil && len(waiting) == 0 {
		return
	}
	go func() {
		if old != nil {
			old.close(websocket.StatusPolicyViolation, "replaced by a newer connection")
		}
		for _, c := range waiting { // another computer activated the session
			c.send(context.Background(), wire.End{Code: wire.SessionInvalid})
			c.close(websocket.StatusNormalClosure, string(wire.SessionInvalid))
		}
	}()
}

func (n clusterNews) Event(e cluster.Event) {
	s := n.s
	switch e.Kind {
	case cluster.EventEnd:
		go s.hub.end(e.ID, wire.Code(e.Code))
	case cluster.EventSend:
		m, err := wire.Decode(e.Msg)
		if err != nil {
			s.log.Warn("cluster: undecodable message for an agent", "from", e.From, "err", err)
			return
		}
		go s.deliverLocal(context.Background(), e.ID, m, e.Close)
	case cluster.EventWake:
		s.passive.wantedElsewhere(e.ID, e.Until)
	case cluster.EventLimit:
		if s.link.shared != nil {
			s.link.shared.Apply(e.Limit, e.Op, e.Key)
		}
	}
}

// movedAway answers another node's claim of agent id's bound channel: this
// node's bound connection of it is older (the agent moved), and support
// apps here still waiting for the code were beaten to it.
func (h *hub) movedAway(id string) (old *agentConn, waiting []*agentConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns[id], append([]*agentConn(nil), h.unbound[id]...)
}

// share makes the limits that stand against guessing cluster-wide
// (docs/SECURITY.md): one budget per guesser whichever node it reaches.
// The agent-connection and installer-download limits stay per node: they
// protect each node's own CPU, and sharing them would cost a broadcast per
// connection in a reconnect storm.
func (l *siteLimits) share(sh *limits.Shared) {
	l.login.Share(sh, "login")
	l.codes.Share(sh, "codes")
	l.codeMisses.Share(sh, "code_misses")
	l.securityCodes.Share(sh, "security_codes")
	l.computerCodes.Share(sh, "computer_codes")
	l.viewPasswords.Share(sh, "view_passwords")
}
