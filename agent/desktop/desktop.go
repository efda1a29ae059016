// Package desktop finds the graphical session an agent shows and drives.
//
// A support app started from a desktop has $DISPLAY. A jump client started
// by a service manager or an rc.local script has nothing: it must find the
// active session the way a desktop-aware service does — on Linux from
// systemd-logind's record of the session on seat0 (its display, its user),
// else from the X server sockets — together with that session's X
// authority (the cookie the session's own programs use), and follow logon
// and logoff by asking again. Only when nothing is found is the answer
// "no display".
package desktop

import (
	"errors"
	"sync"
)

// Session is a graphical session the agent can capture and drive.
type Session struct {
	Display    string // X11 display, e.g. ":0" ("" where the OS has one desktop)
	XAuthority string // its authority file ("" = the default or none)
	User       string // whose session it is, when known
	Source     string // how it was found: environment, logind, x11-socket, os
}

// ErrNoDisplay means there is no graphical session this agent can use;
// errors wrapping it say why.
var ErrNoDisplay = errors.New("no graphical session")

// Find returns the session to use now.
func Find() (*Session, error) {
	mu.Lock()
	f := find
	mu.Unlock()
	if f != nil {
		return f()
	}
	return defaultFinder().Find()
}

var (
	mu   sync.Mutex
	find func() (*Session, error)
)

// Override makes Find call f until restore is called: tests stand in for
// the machine's session list (a headless host on a machine that has X
// servers).
func Override(f func() (*Session, error)) (restore func()) {
	mu.Lock()
	defer mu.Unlock()
	old := find
	find = f
	return func() { mu.Lock(); find = old; mu.Unlock() }
}
