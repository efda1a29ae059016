// Command tether-site runs the Tether site: console, API, downloads and the
// agents' endpoint. It only parses flags; the work is in package site.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tetherhq/tether/site"
)

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := root().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "tether-site:", err)
		os.Exit(1)
	}
}

func root() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{Use: "tether-site", Short: "Tether remote-support site", SilenceUsage: true, SilenceErrors: true}
	cmd.PersistentFlags().StringVar(&dataDir, "data", "tether-data", "data directory (database, keys, certificate)")
	cmd.AddCommand(serveCmd(&dataDir), userCmd(&dataDir), tokenCmd(&dataDir), keyCmd(&dataDir), versionCmd())
	return cmd
}

func serveCmd(dataDir *string) *cobra.Command {
	var o site.Options
	var rebootConfirm, restartConfirm bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the site",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.DataDir, o.Version = *dataDir, version
			o.SMTP.Password = os.Getenv("TETHER_SMTP_PASSWORD")
			o.NoRebootConfirm, o.NoRestartConfirm = !rebootConfirm, !restartConfirm
			return site.Run(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
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
	return cmd
}

func userCmd(dataDir *string) *cobra.Command {
	user := &cobra.Command{Use: "user", Short: "Manage technicians"}
	var admin, stdin bool
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a technician (password read from stdin)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !stdin {
				return errors.New("pass --password-stdin: passwords are never taken from the command line")
			}
			line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
			if err != nil && line == "" {
				return fmt.Errorf("read password: %w", err)
			}
			if err := site.AddUser(cmd.Context(), *dataDir, args[0], strings.TrimRight(line, "\r\n"), admin); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "added user %s\n", args[0])
			return nil
		},
	}
	add.Flags().BoolVar(&admin, "admin", false, "make the user an admin")
	add.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	var teams []string
	var seePersonal bool
	access := &cobra.Command{
		Use:   "access NAME",
		Short: "Set a technician's teams and whether they see other technicians' personal jump groups",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := site.SetUserAccess(cmd.Context(), *dataDir, args[0], teams, seePersonal); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s: teams %v, sees personal groups: %v\n", args[0], teams, seePersonal)
			return nil
		},
	}
	access.Flags().StringArrayVar(&teams, "team", nil, "team jump group the user belongs to (repeat; replaces the current teams)")
	access.Flags().BoolVar(&seePersonal, "see-personal-groups", false, "may see other technicians' personal jump groups")
	user.AddCommand(add, access)
	return user
}

func tokenCmd(dataDir *string) *cobra.Command {
	token := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	token.AddCommand(&cobra.Command{
		Use:   "create NAME",
		Short: "Create an API token for user NAME and print it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tok, err := site.CreateToken(cmd.Context(), *dataDir, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}, &cobra.Command{
		Use:   "list [NAME]",
		Short: "List API tokens (of user NAME, or everyone's)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := site.ListTokens(cmd.Context(), *dataDir, strings.Join(args, ""))
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tUSER\tNAME\tCREATED")
			for _, t := range list {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", t.ID, t.UserName, t.Name, t.CreatedAt.UTC().Format(time.RFC3339))
			}
			return w.Flush()
		},
	}, &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token (it stops working at once, also on a running site)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("token ID %q: want the number that `token list` shows", args[0])
			}
			t, err := site.RevokeToken(cmd.Context(), *dataDir, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked token %d (%s) of %s\n", t.ID, t.Name, t.UserName)
			return nil
		},
	})
	return token
}

func keyCmd(dataDir *string) *cobra.Command {
	return &cobra.Command{
		Use:   "key",
		Short: "Print the site's public signing key (created on a fresh data dir) for agent builds",
		Long: "Print the site's public ed25519 key. Agents built with\n" +
			"  go build -ldflags \"-X github.com/tetherhq/tether/embedcfg.BuildSiteKey=<key>\" ./cmd/tether\n" +
			"accept only downloads this site signed (`make run` does this).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := site.SiteKey(*dataDir)
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
