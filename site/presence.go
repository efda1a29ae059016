package site

import "github.com/tetherhq/tether/wire"

// Presence is what the site asks and tells about agents beyond the
// connections it holds itself. On one node the hub is all there is
// (localPresence). Sites that share a database (--cluster, later) hold
// different agents, so a cluster implements Presence over its message
// bus: Online and JumpClients count every node's agents, and End reaches
// the node holding the session's agent. What needs the connection itself
// (sending a view request, a drain's reconnect) stays on the hub.
type Presence interface {
	// Online reports whether an agent of id (session or jump client) is
	// connected, bound to its session or not.
	Online(id string) bool
	// JumpClients counts the connected jump clients (C11 jc_limit_active).
	JumpClients() int
	// End tells the agents of session id that it ended and disconnects
	// them.
	End(id string, code wire.Code)
}

// localPresence is Presence for a single site: its own hub.
type localPresence struct{ h *hub }

func (p localPresence) Online(id string) bool         { return p.h.online(id) }
func (p localPresence) JumpClients() int              { return p.h.jumpClients() }
func (p localPresence) End(id string, code wire.Code) { p.h.end(id, code) }
