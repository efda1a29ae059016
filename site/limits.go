package site

import (
	"log/slog"
	"time"

	"github.com/tetherhq/tether/internal/clock"
	"github.com/tetherhq/tether/site/limits"
)

// siteLimits are the site's rate limits, one set per kind of guess so that
// one cannot starve another (docs/SECURITY.md lists them).
type siteLimits struct {
	login *limits.Login
	// codes bounds session-code lookups (downloads, `tether support
	// --code`) per address and /24 or /64; codeMisses bounds codes that
	// match nothing, site-wide, and raises an alert in the log.
	codes      *limits.Addr
	codeMisses *limits.FailureGate
	// installers bounds installer downloads, agents agent connections
	// (jump clients behind one NAT reconnect together: --address-burst).
	installers *limits.Addr
	agents     *limits.Addr
	// securityCodes bounds security-code attempts per address; a session
	// also locks after MaxCodeFailures.
	securityCodes *limits.Addr
	// computerCodes bounds wrong security codes per (session, computer):
	// MaxCodeFailures, then that computer is locked out (one more an hour).
	computerCodes *limits.Bucket
	// viewPasswords bounds access-password attempts per session.
	viewPasswords *limits.Bucket
}

func newSiteLimits(c clock.Clock, log *slog.Logger, o Options) siteLimits {
	burst := o.AddressBurst
	return siteLimits{
		login:         limits.NewLogin(c, o.LoginMaxDelay),
		codes:         limits.NewAddr(c, burst, 3*time.Second),
		codeMisses:    limits.NewFailureGate(c, log, "session-code lookups that matched no session", 100, 5*time.Second),
		installers:    limits.NewAddr(c, burst, 3*time.Second),
		agents:        limits.NewAddr(c, burst, time.Second),
		securityCodes: limits.NewAddr(c, max(burst/2, 1), 6*time.Second),
		computerCodes: limits.NewBucket(c, o.MaxCodeFailures, time.Hour),
		viewPasswords: limits.NewBucket(c, 10, 6*time.Second),
	}
}
