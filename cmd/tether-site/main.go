// Command tether-site runs the Tether site: console, API, downloads and the
// agents' endpoint. It only parses flags; the work is in package site.
package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/site/cluster"
	"github.com/tetherhq/tether/site/recording"
)

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal starts a drain; the default handling is back for a
	// second one, which ends the process at once.
	go func() { <-ctx.Done(); stop() }()
	if err := root().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "tether-site:", err)
		os.Exit(1)
	}
}

// globals are the flags every command shares: where the site's data is.
type globals struct {
	dataDir  string
	database string
}

// db is the database URL the commands open: --database, else
// $TETHER_DATABASE (which keeps a PostgreSQL password off the command line
// and out of ps; pgx also reads PGPASSWORD and ~/.pgpass), else the SQLite
// database in --data.
func (g *globals) db() string {
	return site.DatabaseURL(g.dataDir, cmp.Or(g.database, os.Getenv("TETHER_DATABASE")))
}

func root() *cobra.Command {
	g := &globals{}
	cmd := &cobra.Command{Use: "tether-site", Short: "Tether remote-support site", SilenceUsage: true, SilenceErrors: true}
	pf := cmd.PersistentFlags()
	pf.StringVar(&g.dataDir, "data", "tether-data", "data directory (keys, certificate, and the SQLite database unless --database)")
	pf.StringVar(&g.database, "database", "",
		"database URL: postgres://USER@HOST/DB or sqlite:DIR (default $TETHER_DATABASE, else the SQLite database in --data)")
	cmd.AddCommand(serveCmd(g), userCmd(g), tokenCmd(g), keyCmd(g), migrateCmd(g), backupCmd(g), restoreCmd(g), versionCmd())
	return cmd
}

func serveCmd(g *globals) *cobra.Command {
	var o site.Options
	var consentDefault string
	var logFormat, logLevel string
	var rebootConfirm, restartConfirm, recordJump bool
	retention := retentionFlag(90 * 24 * time.Hour)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the site",
		Long: "Run the site until SIGTERM or SIGINT, then drain: /readyz answers 503, agents are told to\n" +
			"reconnect (to another site behind the same address, or this one restarted), running views\n" +
			"go on for up to --drain-timeout, and the site exits 0. A second signal stops it at once.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(os.Stderr, logFormat, logLevel)
			if err != nil {
				return err
			}
			o.DataDir, o.Database, o.Version, o.Logger = g.dataDir, g.db(), version, log
			o.SMTP.Password = os.Getenv("TETHER_SMTP_PASSWORD")
			o.Cluster = cmp.Or(o.Cluster, os.Getenv("TETHER_CLUSTER"))
			if o.Cluster != "" {
				if err := cluster.CheckURL(o.Cluster); err != nil {
					return err
				}
				o.ClusterAuth = cluster.AuthFromEnv(os.Getenv)
				if strings.HasPrefix(o.Database, "sqlite:") {
					return fmt.Errorf("--cluster needs a database every node shares: --database postgres://… (or $TETHER_DATABASE)")
				}
			}
			switch consentDefault {
			case "allow":
				o.ConsentDefault = true
			case "deny":
			default:
				return fmt.Errorf("--consent-default %q: want allow or deny", consentDefault)
			}
			if err := o.Validate(); err != nil {
				return err
			}
			o.NoRebootConfirm, o.NoRestartConfirm = !rebootConfirm, !restartConfirm
			o.NoRecordJump, o.RecordingRetention = !recordJump, time.Duration(retention)
			if retention == 0 {
				o.RecordingRetention = -1 // keep forever
			}
			return site.Run(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Cluster, "cluster", "", "join the other nodes on the same --database through NATS: nats://HOST:PORT[,…] (default $TETHER_CLUSTER; credentials only in $TETHER_CLUSTER_CREDS, _NKEY, _USER/_PASSWORD or _TOKEN, TLS in _CA, _CERT, _KEY)")
	f.StringVar(&o.MetricsListen, "metrics-listen", "", "also serve /metrics, /healthz and /readyz in plain HTTP without login on this address (loopback or a private network only)")
	f.DurationVar(&o.DrainTimeout, "drain-timeout", 30*time.Second, "on SIGTERM, how long running views may go on before the site exits")
	f.DurationVar(&o.ReconnectWithin, "reconnect-within", 10*time.Second, "on SIGTERM, the window agents spread their reconnections over")
	f.StringVar(&logFormat, "log-format", "auto", "log format on stderr: json, text, or auto (text on a terminal, else json)")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.StringVar(&o.Listen, "listen", ":8443", "address to listen on")
	f.StringVar(&o.PublicURL, "public-url", "", "URL agents and links use (default https://<this host>:<port>)")
	f.StringVar(&o.TLSCert, "tls-cert", "", "TLS certificate PEM (default: self-signed in the data dir)")
	f.StringVar(&o.TLSKey, "tls-key", "", "TLS key PEM")
	f.StringVar(&o.AgentsDir, "agents", "", "directory of agent builds tether-<os>-<arch>[.exe] and template MSIs tether-windows-<arch>.msi (make build)")
	f.DurationVar(&o.SessionLifetime, "session-lifetime", 24*time.Hour, "ad hoc sessions end this long after activation")
	f.IntVar(&o.LimitPerTech, "limit-technician", 1, "active ad hoc sessions per technician (-1: unlimited)")
	f.IntVar(&o.LimitPerSite, "limit-site", 5, "active ad hoc sessions per site (-1: unlimited)")
	f.IntVar(&o.MaxCodeFailures, "max-code-failures", 5, "wrong security codes before a session locks")
	f.IntVar(&o.JCLimitTotal, "jc-limit-total", 0, "deployable jump clients (0: unlimited)")
	f.IntVar(&o.JCLimitActive, "jc-limit-active", 0, "jump clients connected at once (0: unlimited)")
	f.DurationVar(&o.JCCheckIn, "jc-check-in", time.Minute, "how often passive jump clients check in")
	f.IntVar(&o.MaxConcurrentJumps, "max-concurrent-jumps", 20, "jump session starts in progress at once (server_busy past it)")
	f.BoolVar(&rebootConfirm, "reboot-confirm", true, "ask the customer of an ad hoc session to confirm a reboot the technician starts")
	f.BoolVar(&restartConfirm, "reboot-restart-confirm", true, "after such a reboot, ask the customer before screen sharing resumes")
	f.DurationVar(&o.RebootTimeout, "reboot-timeout", 10*time.Minute, "a rebooting computer not back within this ends its session")
	f.IntVar(&o.AddressBurst, "address-burst", 20, "lookups and agent connections one address may make at once (raise it when many jump clients share one NAT address)")
	f.StringVar(&o.SMTP.Addr, "smtp", "", "SMTP server host:port for e-mailing links (password in $TETHER_SMTP_PASSWORD)")
	f.StringVar(&o.SMTP.From, "smtp-from", "", "From address of e-mails")
	f.StringVar(&o.SMTP.Username, "smtp-user", "", "SMTP user name")
	f.StringVar(&o.ConsentAdhoc, "consent-adhoc", "ask", "ad hoc sessions: ask (the customer allows view and control) or view-only-preallowed (viewing needs no answer, control does)")
	f.StringVar(&o.ConsentJump, "consent-jump", "unattended", "jump clients: unattended or prompt (the logged-in user is asked)")
	f.DurationVar(&o.ConsentTimeout, "consent-timeout", 30*time.Second, "how long a jump client's prompt waits for an answer")
	f.StringVar(&consentDefault, "consent-default", "deny", "a jump client's answer when the prompt times out or nobody is logged in: allow or deny")
	f.Int64Var(&o.MaxFileSize, "max-file-size", 4<<30, "largest file one transfer may move, in bytes (-1: unlimited)")
	f.BoolVar(&o.JumpFilesConfined, "jump-files-confined", false, "keep jump clients' file transfers in their transfer folder too (default: anywhere the agent's user may go)")
	f.BoolVar(&o.AllowRootShell, "allow-root-shell", false, "let a jump client that runs as root open a root shell")
	f.BoolVar(&recordJump, "record-jump", true, "record jump sessions (screen, input, shell output, chat, file transfers) under --data/recordings")
	f.BoolVar(&o.RecordAdhoc, "record-adhoc", false, "record ad hoc support sessions too")
	f.Var(&retention, "recording-retention", "remove recordings last written longer ago: days (90d), a duration (36h), or 0 to keep them")
	return cmd
}

// retentionFlag is --recording-retention: days ("90d") or a Go duration.
type retentionFlag time.Duration

func (r *retentionFlag) String() string { return recording.FormatRetention(time.Duration(*r)) }
func (r *retentionFlag) Type() string   { return "days" }
func (r *retentionFlag) Set(s string) error {
	d, err := recording.ParseRetention(s)
	*r = retentionFlag(d)
	return err
}

func keyCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "key",
		Short: "Print the site's public signing key (created on a fresh data dir) for agent builds",
		Long: "Print the site's public ed25519 key. Agents built with\n" +
			"  go build -ldflags \"-X github.com/tetherhq/tether/embedcfg.BuildSiteKey=<key>\" ./cmd/tether\n" +
			"accept only downloads this site signed (`make run` does this).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := site.SiteKey(g.dataDir)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), k)
			return nil
		},
	}
}

func versionCmd() *cobra.Command {
	return &cobra.Command{Use: "version", Short: "Print the version", Run: func(cmd *cobra.Command, _ []string) {
		fmt.Fprintln(cmd.OutOrStdout(), version)
	}}
}
