package site

import (
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// consentFor is the site's consent policy (D2) for a session, as the
// agent enforces it: ad hoc sessions ask the customer (or pre-allow
// viewing), jump clients are unattended or prompt the logged-in user.
func (s *Server) consentFor(ss *store.Session) *wire.Consent {
	c := &wire.Consent{Mode: s.opts.ConsentAdhoc, Technician: ss.Technician}
	if ss.JumpClientID != "" {
		c.Mode = s.opts.ConsentJump
		if c.Mode == wire.ConsentPrompt {
			c.Timeout, c.Default = s.opts.ConsentTimeout, s.opts.ConsentDefault
		}
	}
	return c
}

// asks reports whether the agent asks someone before it dials a stream of
// kind, so that the viewer says "waiting for the customer to allow" and
// the site waits long enough. File transfers of support apps are asked
// for one by one.
func asks(c *wire.Consent, kind string, control bool) bool {
	switch kind {
	case wire.StreamView:
		switch c.Mode {
		case wire.ConsentAsk, wire.ConsentPrompt:
			return true
		case wire.ConsentViewPreallowed:
			return control
		}
		return false
	case wire.StreamFiles:
		return c.Mode == wire.ConsentAsk || c.Mode == wire.ConsentViewPreallowed || c.Mode == wire.ConsentPrompt
	case wire.StreamShell:
		return c.Mode == wire.ConsentPrompt
	}
	return false
}
