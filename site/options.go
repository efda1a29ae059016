// Package site is the Tether site: the technicians' web console, the HTTP
// API, the downloads, and the endpoint agents connect to.
package site

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/tetherhq/tether/internal/clock"
	"github.com/tetherhq/tether/site/cluster"
	"github.com/tetherhq/tether/wire"
)

// Options configure a site. Zero values take the defaults of SPEC F.
type Options struct {
	DataDir   string // default ./tether-data
	Listen    string // default :8443
	PublicURL string // default https://<this host>:<port>
	TLSCert   string // PEM files; default a self-signed pair in DataDir
	TLSKey    string
	AgentsDir string // agent builds tether-<os>-<arch>[.exe]
	// Database is the store URL: "postgres://…" or "sqlite:DIR" (see
	// store.Open); default the SQLite database in DataDir.
	Database string
	// Cluster joins the other nodes on the same database through NATS
	// (nats://HOST:PORT, several comma-separated; no credentials in it);
	// ClusterAuth holds the credentials (TETHER_CLUSTER_*). Empty: this
	// node alone.
	Cluster     string
	ClusterAuth cluster.Auth

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

	// Consent policy (D2, docs/TOOLKIT.md). ConsentAdhoc is wire.ConsentAsk
	// (default: the customer allows view and control) or
	// wire.ConsentViewPreallowed (viewing needs no answer, control does);
	// ConsentJump is wire.ConsentUnattended (default) or wire.ConsentPrompt
	// (the logged-in user is asked; ConsentDefault answers after
	// ConsentTimeout, default 30 s, or when nobody is logged in).
	ConsentAdhoc   string
	ConsentJump    string
	ConsentTimeout time.Duration
	ConsentDefault bool

	// Session toolkit (D3, D4, G). MaxFileSize bounds one transfer
	// (file_too_large; default 4 GiB, <0 unlimited). JumpFilesConfined keeps
	// jump clients' transfers inside their transfer folder too (by default
	// they may read and write anywhere the agent's user can, absolute
	// paths included). AllowRootShell lets a jump client that runs as root
	// open a root shell (default no).
	MaxFileSize       int64
	JumpFilesConfined bool
	AllowRootShell    bool
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

	// Session recording (docs/RECORDING.md): jump sessions are recorded
	// unless NoRecordJump (`--record-jump=false`), ad hoc sessions only
	// with RecordAdhoc. Recordings last written longer ago than
	// RecordingRetention are removed (default 90 days; < 0 keeps them).
	// The recorder asks a view for a full frame when its last one is
	// RecordingKeyframeEvery old (default 30 s) and RecordingKeyframeBytes
	// of frames came since (default 256 KiB); RecordingQueueBytes (default
	// 16 MiB) is how much one session may have waiting for the disk before
	// records are dropped.
	NoRecordJump           bool
	RecordAdhoc            bool
	RecordingRetention     time.Duration
	RecordingKeyframeEvery time.Duration
	RecordingKeyframeBytes int64
	RecordingQueueBytes    int

	SMTP SMTPOptions

	// DisableMetrics runs the site without collectors (/metrics answers
	// 404); the metrics-overhead benchmark compares the two.
	DisableMetrics bool
	// MetricsListen is a second, plain-HTTP listener for /metrics,
	// /healthz and /readyz without authentication (Run serves it), for a
	// scraper on a private network; empty: none.
	MetricsListen string
	// DrainTimeout bounds a drain (SIGTERM): how long running views may
	// go on before the site stops anyway (default 30 s).
	DrainTimeout time.Duration
	// ReconnectWithin is the window a drain gives agents to reconnect in
	// (wire.Reconnect; default 10 s): each waits a random part of it, so
	// their reconnections spread over it.
	ReconnectWithin time.Duration

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

// Validate checks the options a flag can get wrong.
func (o *Options) Validate() error {
	switch o.ConsentAdhoc {
	case "", wire.ConsentAsk, wire.ConsentViewPreallowed:
	default:
		return fmt.Errorf("consent for ad hoc sessions %q: want %s or %s", o.ConsentAdhoc, wire.ConsentAsk, wire.ConsentViewPreallowed)
	}
	switch o.ConsentJump {
	case "", wire.ConsentUnattended, wire.ConsentPrompt:
	default:
		return fmt.Errorf("consent for jump clients %q: want %s or %s", o.ConsentJump, wire.ConsentUnattended, wire.ConsentPrompt)
	}
	return nil
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
	if o.ConsentAdhoc == "" {
		o.ConsentAdhoc = wire.ConsentAsk
	}
	if o.ConsentJump == "" {
		o.ConsentJump = wire.ConsentUnattended
	}
	if o.ConsentTimeout <= 0 {
		o.ConsentTimeout = 30 * time.Second
	}
	if o.MaxFileSize == 0 {
		o.MaxFileSize = 4 << 30
	}
	if o.RecordingRetention == 0 {
		o.RecordingRetention = 90 * 24 * time.Hour
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
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 30 * time.Second
	}
	if o.ReconnectWithin <= 0 {
		o.ReconnectWithin = 10 * time.Second
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
