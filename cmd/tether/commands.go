package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/installer"
)

type globals struct {
	stateDir string
	verbose  bool
}

func rootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:           "tether",
		Short:         "Tether remote-support agent",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		// With no arguments (double-click) do what the embedded config says.
		RunE: func(cmd *cobra.Command, _ []string) error {
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			cfg, _, err := agent.EmbeddedConfig(exe)
			if err != nil {
				return err
			}
			if cfg.Kind == embedcfg.KindInstaller {
				return runInstall(cmd, cfg, exe, nil)
			}
			return runSupport(cmd, g, &supportFlags{})
		},
	}
	root.PersistentFlags().StringVar(&g.stateDir, "state-dir", "", "directory of the agent's identity key and state (env TETHER_STATE_DIR)")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log details to stderr")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(supportCmd(g), installCmd(), uninstallCmd(g), serviceCmd(g), versionCmd(), msiCmd())
	return root
}

type supportFlags struct {
	site, code, pin, securityCode          string
	allowControl, allowPin, silent, rejoin bool
}

func supportCmd(g *globals) *cobra.Command {
	f := &supportFlags{}
	cmd := &cobra.Command{
		Use:   "support",
		Short: "Run the support app for a session",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (f.site == "") != (f.code == "") {
				return usageError{fmt.Errorf("--site and --code go together")}
			}
			return runSupport(cmd, g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.site, "site", "", "site URL (instead of the session embedded in the download)")
	fl.StringVar(&f.code, "code", "", "session code")
	fl.StringVar(&f.pin, "pin", "", "site certificate pin (base64 SHA-256 of its public key) for --site")
	fl.StringVar(&f.securityCode, "security-code", "", "security code (otherwise asked for)")
	fl.BoolVar(&f.allowControl, "allow-control", false, "allow the technician to view and control this computer without asking")
	fl.BoolVar(&f.allowPin, "allow-pin", false, "allow the technician to pin this computer as a Jump Client without asking")
	fl.BoolVar(&f.silent, "silent", false, "show nothing; failures go to the exit status")
	fl.BoolVar(&f.rejoin, "rejoin", false, "rejoin the session after a restart the technician started (what the logon entry runs)")
	return cmd
}

func runSupport(cmd *cobra.Command, g *globals, f *supportFlags) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	o := agent.SupportOptions{
		StateDir: g.stateDir, Site: f.site, Code: f.code, Pin: f.pin,
		SecurityCode: f.securityCode, AllowControl: f.allowControl, AllowPin: f.allowPin, Silent: f.silent,
		Rejoin: f.rejoin, Executable: exe, Stdin: os.Stdin, Stdout: cmd.OutOrStdout(), Logger: logger(g),
	}
	// Double-clicked (no terminal) on a desktop: the customer window.
	if !f.silent && os.Getenv(agent.EnvNoDialog) == "" && !term.IsTerminal(int(os.Stdin.Fd())) {
		if w, err := ui.Open(cmd.Context(), ui.Options{Title: "Tether remote support", Logger: o.Logger}); err == nil {
			defer w.Close()
			o.Window = w
			err := agent.RunSupport(cmd.Context(), o)
			if err != nil { // the window says why; it stays until closed
				lingerUntilClosed(w, time.Minute)
			}
			return err
		}
	}
	return agent.RunSupport(cmd.Context(), o)
}

// lingerUntilClosed keeps the window (which shows why the app ends) until
// the customer closes it, at most d.
func lingerUntilClosed(w ui.Window, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case ev, ok := <-w.Events():
			if !ok || ev.Kind == ui.EventClosed {
				return
			}
		case <-t.C:
			return
		}
	}
}

func logger(g *globals) *slog.Logger {
	level := slog.LevelWarn
	if g.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

func versionCmd() *cobra.Command {
	return &cobra.Command{Use: "version", Short: "Print the version", Args: cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), version) }}
}

// installCmd installs a jump client (C3). Its flags are parsed by package
// installer, which also takes MSI-style KEY=value properties (C4), so the
// arguments pass through untouched.
func installCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "install [--install-dir DIR] [--jc-jump-group G] [--jc-tag T] [--jc-comments C…] [--jc-name N] [--mode service|user] [--user U] [--silent]",
		Short: "Install this agent as a jump client",
		Long: "Install this agent as a jump client. MSI-style KEY=value properties (INSTALLDIR=…, JC_TAG=…) are accepted too.\n\n" +
			installer.Usage,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			// The same help as `tether help install` (docs/CLI.md), not
			// only the installer's flag list.
			if _, err := installer.ParseFlags(args); errors.Is(err, installer.ErrHelp) {
				return cmd.Help()
			}
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			cfg, _, err := agent.EmbeddedConfig(exe)
			if err != nil && err != agent.ErrNoSession {
				return err
			}
			return runInstall(cmd, cfg, exe, args)
		},
	}
}

func runInstall(cmd *cobra.Command, cfg *embedcfg.Config, exe string, args []string) error {
	if args == nil {
		args = os.Args[1:]
	}
	if code := installer.RunInstall(cmd.Context(), args, cfg, exe, cmd.OutOrStdout(), cmd.ErrOrStderr()); code != 0 {
		return exitCode(code)
	}
	return nil
}

func uninstallCmd(g *globals) *cobra.Command {
	var reportOnly bool
	var dir string
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove the jump client this binary belongs to",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			if err := installer.RefuseUserBinaryAsRoot(exe); err != nil {
				return err
			}
			// The installed client's binary: this program unless
			// --install-dir names another install (a .deb/.rpm's prerm
			// runs its own root-owned copy on the install it made).
			bin := exe
			if dir != "" {
				abs, err := filepath.Abs(dir)
				if err != nil {
					return err
				}
				bin = filepath.Join(abs, installer.BinaryName(runtime.GOOS))
			}
			if reportOnly {
				return reportUninstalled(cmd.Context(), bin, g.stateDir)
			}
			return uninstall(cmd.Context(), bin, g.stateDir)
		},
	}
	cmd.Flags().BoolVar(&reportOnly, "report-only", false,
		"only tell the site the jump client is being uninstalled (the uninstall script then removes the files)")
	cmd.Flags().StringVar(&dir, "install-dir", "", "the jump client's install directory (default: the directory of this program)")
	return cmd
}

// serviceCmd runs the installed jump client (the init-script, systemd unit
// or Windows service starts `tether service run`) and controls it through
// the launcher it was installed with (SPEC F).
func serviceCmd(g *globals) *cobra.Command {
	svc := &cobra.Command{Use: "service", Short: "Run or control the installed jump client",
		// Without this cobra shows help and exits 0 for a misspelt verb.
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("unknown command %q for \"tether service\"", args[0])}
			}
			return cmd.Help()
		}}
	var underSCM bool
	run := &cobra.Command{
		Use:   "run",
		Short: "Run the jump client in the foreground (what the service manager starts)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			g.verbose = true
			o := agent.JumpOptions{StateDir: g.stateDir, Executable: exe, Logger: logger(g)}
			return runJumpClient(cmd.Context(), o, underSCM)
		},
	}
	// The Windows service is registered with this flag (installer.
	// WindowsServiceFlag): svc.IsWindowsService cannot tell under Wine.
	run.Flags().BoolVar(&underSCM, strings.TrimPrefix(installer.WindowsServiceFlag, "--"), false,
		"run under the Windows service control manager (the service's own arguments)")
	run.Flags().MarkHidden(strings.TrimPrefix(installer.WindowsServiceFlag, "--"))
	svc.AddCommand(run)
	svc.AddCommand(&cobra.Command{
		Use:    "view-helper",
		Short:  "Serve one view in this session for the jump client's service (reads the view from stdin)",
		Hidden: true, // started by the Windows service in the user's session, not by people
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := agent.ServeViewHelper(cmd.Context(), cmd.InOrStdin(), logger(g))
			if errors.Is(err, agent.ErrHelperNoDisplay) {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return exitCode(agent.HelperNoDisplayExit)
			}
			return err
		},
	})
	for _, c := range []struct{ use, short string }{
		{"start", "Start the installed jump client"},
		{"stop", "Stop the installed jump client"},
		{"restart", "Stop and start the installed jump client"},
		{"status", "Report whether the jump client runs (exit 0 running, 3 stopped, 4 unknown)"},
	} {
		var dir string
		sub := &cobra.Command{
			Use:   c.use,
			Short: c.short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if err := refuseUserBinaryAsRoot(); err != nil {
					return err
				}
				dir, err := installDir(dir)
				if err != nil {
					return err
				}
				if code := installer.RunControl(cmd.Context(), dir, c.use, cmd.OutOrStdout(), cmd.ErrOrStderr()); code != 0 {
					return exitCode(code)
				}
				return nil
			},
		}
		sub.Flags().StringVar(&dir, "install-dir", "", "the jump client's install directory (default: the directory of this program)")
		svc.AddCommand(sub)
	}
	for _, c := range []struct {
		use      string
		disabled bool
		done     string
	}{{"disable", true, "disabled: technicians cannot start sessions until you run `tether service enable`"},
		{"enable", false, "enabled: technicians can start sessions again"}} {
		var dir string
		sub := &cobra.Command{
			Use:   c.use,
			Short: "Let the local user " + c.use + " sessions to the installed jump client",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if err := refuseUserBinaryAsRoot(); err != nil {
					return err
				}
				state, err := installedState(g, dir)
				if err != nil {
					return err
				}
				if err := agent.SetDisabled(state, c.disabled); err != nil {
					return fmt.Errorf("%s the jump client (state in %s): %w; run this as the jump client's user or as an administrator", c.use, state, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Tether jump client %s.\n", c.done)
				return nil
			},
		}
		sub.Flags().StringVar(&dir, "install-dir", "", "the jump client's install directory (default: the directory of this program)")
		svc.AddCommand(sub)
	}
	return svc
}

// refuseUserBinaryAsRoot stops root from going on in a tether binary that a
// jump client's user could have replaced (see installer.RefuseUserBinaryAsRoot).
func refuseUserBinaryAsRoot() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return installer.RefuseUserBinaryAsRoot(exe)
}

// installDir is the jump client's install dir: the flag, else the
// directory of this program.
func installDir(flag string) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.Dir(exe), nil
}

// installedState is the state dir of the jump client installed in dir
// (--install-dir or this program's): --state-dir when given, else what its
// install record says.
func installedState(g *globals, dir string) (string, error) {
	if g.stateDir != "" {
		return g.stateDir, nil
	}
	if env := os.Getenv(agent.EnvStateDir); env != "" {
		return env, nil
	}
	dir, err := installDir(dir)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(installer.RecordPath(dir)); err != nil {
		return "", fmt.Errorf("no Tether jump client is installed in %s (pass --install-dir): %w", dir, err)
	}
	rec, err := installer.ReadRecord(dir)
	if err != nil { // readable only by its owner: the state is in the usual place
		return filepath.Join(dir, "state"), nil
	}
	return rec.StateDir(), nil
}

// uninstall tells the site (best effort, so the console lists the client as
// uninstalled, C8) and removes the install the binary exe belongs to. Root
// does not read a user's binary and state to tell the site: that user runs
// `tether uninstall --report-only` first (the uninstall scripts do).
func uninstall(ctx context.Context, exe, stateDir string) error {
	if err := installer.RefuseUserBinaryAsRoot(exe); err != nil {
		slog.Info("not telling the site as root; run `tether uninstall --report-only` as the jump client's user first", "binary", exe)
	} else if err := reportUninstalled(ctx, exe, stateDir); err != nil {
		slog.Warn("could not tell the site about the uninstall", "err", err)
	}
	return installer.Uninstall(ctx, filepath.Dir(exe))
}

// reportUninstalled tells the site that the install exe belongs to is
// being removed; stateDir (--state-dir) overrides the recorded state.
func reportUninstalled(ctx context.Context, exe, stateDir string) error {
	rec, err := installer.ReadRecord(filepath.Dir(exe))
	if err != nil {
		return err
	}
	return agent.ReportUninstalled(ctx, exe, cmp.Or(stateDir, os.Getenv(agent.EnvStateDir), rec.StateDir()))
}
