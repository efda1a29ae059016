// Package site is the Tether site: the technicians' web console, the HTTP
// API, the downloads, and the endpoint agents connect to.
package site

import (
	"log/slog"
	"time"

	"github.com/tetherhq/tether/internal/clock"
)

// Options configure a site. Zero values take the defaults of SPEC F.
type Options struct {
	DataDir   string // default ./tether-data
	Listen    string // default :8443
	PublicURL string // default https://<this host>:<port>
	TLSCert   string // PEM files; default a self-signed pair in DataDir
	TLSKey    string
	AgentsDir string // agent builds tether-<os>-<arch>[.exe]

	// Session policy (A1, A5, A8).
	DefaultExpiry   time.Duration // default 24h
	MaxExpiry       time.Duration // default 30 days
	SessionLifetime time.Duration // auto-end after activation, default 24h
	LimitPerTech    int           // default 1; <0 unlimited
	LimitPerSite    int           // default 5; <0 unlimited
	MaxCodeFailures int           // security-code failures before a session locks, default 5
	Heartbeat       time.Duration // agent heartbeat interval, default 25s
	// AddressBurst is how many session-code lookups, installer downloads
	// and agent connections one address may make at once (each kind has its
	// own bucket; then one per 3 s, agent connections one per second), and
	// its /24 or /64 three times as many; security-code attempts get half.
	// Default 20. Raise it (--address-burst) when many jump clients share
	// one public address (NAT), so that they all come back at once after a
	// site restart.
	AddressBurst int
	// LoginMaxDelay caps the slow-down of logins to a user name that is
	// being guessed at (default 3 s); see limits.Login.
	LoginMaxDelay time.Duration

	// Jump-client limits (C11); 0 means unlimited.
	JCLimitTotal  int // deployable jump clients (enrolled, not removed)
	JCLimitActive int // jump clients connected at once

	// Passive jump clients (C9) check in this often (default 1 min); a
	// jump waits JCConnectTimeout for one to come (default check-in + 30 s).
	JCCheckIn        time.Duration
	JCConnectTimeout time.Duration
	// MaxConcurrentJumps bounds session starts in progress (server_busy;
	// default 20), and JumpStepTimeout each internal step of one (jump_timeout;
	// default 10 s).
	MaxConcurrentJumps int
	JumpStepTimeout    time.Duration

	// Reboot and reconnect (B1–B4): a rebooting computer has RebootTimeout
	// to come back before its session expires (default 10 min). The
	// customer of an ad hoc session is asked before the reboot and again
	// before sharing resumes after it, unless NoRebootConfirm or
	// NoRestartConfirm (`--reboot-confirm=false`,
	// `--reboot-restart-confirm=false`). Jump clients follow the site's
	// unattended-access policy and are not asked.
	RebootTimeout    time.Duration
	NoRebootConfirm  bool
	NoRestartConfirm bool

	SMTP SMTPOptions

	Clock  clock.Clock
	Logger *slog.Logger
	// Version is reported to agents; jump clients update on mismatch.
	Version string
}

// SMTPOptions configure e-mailing of session links (A2). Empty Addr
// disables e-mail.
type SMTPOptions struct {
	Addr     string // host:port
	From     string
	Username string
	Password string // read from the environment, never from a flag
	// StartTLS requires STARTTLS unless the server is on loopback.
	InsecureSkipVerify bool
}

func (o *Options) setDefaults() {
	if o.DataDir == "" {
		o.DataDir = "tether-data"
	}
	if o.Listen == "" {
		o.Listen = ":8443"
	}
	if o.DefaultExpiry == 0 {
		o.DefaultExpiry = 24 * time.Hour
	}
	if o.MaxExpiry == 0 {
		o.MaxExpiry = 30 * 24 * time.Hour
	}
	if o.SessionLifetime == 0 {
		o.SessionLifetime = 24 * time.Hour
	}
	if o.LimitPerTech == 0 {
		o.LimitPerTech = 1
	}
	if o.LimitPerSite == 0 {
		o.LimitPerSite = 5
	}
	if o.MaxCodeFailures == 0 {
		o.MaxCodeFailures = 5
	}
	if o.Heartbeat == 0 {
		o.Heartbeat = 25 * time.Second
	}
	if o.JCCheckIn <= 0 {
		o.JCCheckIn = time.Minute
	}
	if o.JCConnectTimeout <= 0 {
		o.JCConnectTimeout = o.JCCheckIn + 30*time.Second
	}
	if o.MaxConcurrentJumps <= 0 {
		o.MaxConcurrentJumps = 20
	}
	if o.JumpStepTimeout <= 0 {
		o.JumpStepTimeout = 10 * time.Second
	}
	if o.RebootTimeout <= 0 {
		o.RebootTimeout = 10 * time.Minute
	}
	if o.AddressBurst <= 0 {
		o.AddressBurst = 20
	}
	if o.LoginMaxDelay <= 0 {
		o.LoginMaxDelay = 3 * time.Second
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Version == "" {
		o.Version = "dev"
	}
}
