package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/installer"
)

// msiCmd is what the MSI's custom-action DLL (packaging/msica) runs from
// the staged agent: `tether msi "<action data>"` (installer.ParseMSIAction).
// Everything it prints goes into the installation log (msiexec /l*v); a
// non-zero exit fails the installation, which then rolls back.
func msiCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "msi ACTION-DATA",
		Short:  "Run a step of the MSI's custom action (used by the Windows Installer package)",
		Hidden: true,
		// The data is one argument that may start with anything.
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("tether msi takes one argument, the action data the MSI formats")}
			}
			if code := runMSI(cmd.Context(), args[0], cmd.OutOrStdout(), cmd.ErrOrStderr()); code != 0 {
				return exitCode(code)
			}
			return nil
		},
	}
}

func runMSI(ctx context.Context, data string, stdout, stderr io.Writer) int {
	a, err := installer.ParseMSIAction(data)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return installer.ExitUsage
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return installer.ExitFailure
	}
	if a.Verb == installer.MSIInstall {
		return msiInstall(ctx, a, exe, stdout, stderr)
	}
	msiRemove(ctx, a, stdout, stderr)
	return 0
}

// msiInstall installs the jump client the MSI's record describes, if it is
// this action's mode (the LocalSystem action does service mode, the user's
// action user mode).
func msiInstall(ctx context.Context, a *installer.MSIAction, exe string, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "Tether jump client installation failed: %s\n", installer.MSIMessage(err))
		if a.Silent {
			// C3: a silent install's failures also go to the OS log.
			_ = installer.ReportFailure(err)
		}
		return installer.ExitCode(err)
	}
	flags, err := a.Flags()
	if err != nil {
		return fail(err)
	}
	opts, err := installer.ParseFlags(flags)
	if err != nil {
		return fail(err)
	}
	cfg, rec, err := msiConfig(a.Database, exe)
	if err != nil {
		return fail(err)
	}
	opts.ApplyConfig(cfg)
	mode := opts.Mode
	if mode == "" {
		mode = installer.ModeService
	}
	if !a.Handles(mode) {
		fmt.Fprintf(stdout, "%s mode: installed by the package's other action\n", mode)
		return 0
	}
	opts.Mode, opts.Record = mode, rec
	res, err := installer.Install(ctx, opts, exe)
	if err != nil {
		return fail(err)
	}
	if err := installer.SaveMSIInstall(a.As, a.Product, res.Dir); err != nil {
		// Without the record msiexec /x could not find it: undo.
		if uerr := installer.Uninstall(ctx, res.Dir); uerr != nil {
			fmt.Fprintf(stderr, "undo the install in %s: %v\n", res.Dir, uerr)
		}
		return fail(err)
	}
	started := "started"
	if !res.Started {
		started = "not started yet"
	}
	fmt.Fprintf(stdout, "Tether jump client installed in %s (%s mode, %s).\n", res.Dir, mode, started)
	for _, w := range res.Warnings {
		fmt.Fprintf(stdout, "warning: %s\n", w)
	}
	return 0
}

// msiConfig reads the installer's signed record from the MSI at db and
// checks that it was issued for this agent (the staged exe): the record
// then goes into the installed copy, where the agent verifies it again on
// every start.
func msiConfig(db, exe string) (*embedcfg.Config, []byte, error) {
	f, err := os.Open(db)
	if err != nil {
		return nil, nil, fmt.Errorf("open the package %s: %w", db, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("open the package %s: %w", db, err)
	}
	raw, err := embedcfg.MSIRecord(f, st.Size())
	if errors.Is(err, embedcfg.ErrNotFound) {
		return nil, nil, fmt.Errorf("the package %s carries no installer configuration: download it from the site's installer link, not the plain template", db)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read the installer configuration from %s: %w", db, err)
	}
	cfg, rec, err := embedcfg.ParseRecord(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("the installer configuration in %s: %w", db, err)
	}
	if cfg.Kind != embedcfg.KindInstaller {
		return nil, nil, fmt.Errorf("the package %s carries a %s configuration, not an installer's", db, cfg.Kind)
	}
	self, err := os.ReadFile(exe)
	if err != nil {
		return nil, nil, fmt.Errorf("read the agent: %w", err)
	}
	l, err := embedcfg.Inspect(self)
	if err != nil {
		return nil, nil, fmt.Errorf("the staged agent %s: %w", exe, err)
	}
	if cfg.BinarySHA256 != l.Digest {
		return nil, nil, fmt.Errorf("%w: the configuration in %s was issued for another agent build; download the MSI again",
			embedcfg.ErrTampered, filepath.Base(db))
	}
	return cfg, rec, nil
}

// msiRemove undoes what msiInstall did for this action (msiexec /x, or a
// rollback after a later failure): tell the site, then remove the jump
// client. Best effort: an uninstall must not be blocked by a jump client
// that is half gone, so problems are logged and the package goes anyway.
func msiRemove(ctx context.Context, a *installer.MSIAction, stdout, stderr io.Writer) {
	dir, err := installer.LoadMSIInstall(a.As, a.Product)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return
	}
	if dir == "" {
		fmt.Fprintf(stdout, "no jump client recorded for the %s action\n", a.As)
		return
	}
	bin := filepath.Join(dir, installer.BinaryName("windows"))
	if err := reportUninstalled(ctx, bin, ""); err != nil {
		fmt.Fprintf(stderr, "could not tell the site about the uninstall: %v\n", err)
	}
	if err := installer.Uninstall(ctx, dir); err != nil {
		fmt.Fprintf(stderr, "remove the jump client in %s: %v\n", dir, err)
	} else {
		fmt.Fprintf(stdout, "Tether jump client in %s removed.\n", dir)
	}
	if err := installer.ForgetMSIInstall(a.As, a.Product); err != nil {
		fmt.Fprintln(stderr, err)
	}
}
