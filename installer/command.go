package installer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tetherhq/tether/embedcfg"
)

// RunInstall is the whole `tether install` command, for the agent's cobra
// command (which should set DisableFlagParsing and pass its raw args):
// it accepts the exe/.bin flags or, as passed by the MSI's custom action,
// msiexec-style properties (`KEY_INFO=… jc_tag=… /quiet`); fills the rest
// from cfg (the embedded config, may be nil); installs self; prints the
// outcome unless --silent, in which case failures go to the OS log; and
// returns the process exit status.
func RunInstall(ctx context.Context, args []string, cfg *embedcfg.Config, self string, stdout, stderr io.Writer) int {
	if looksLikeMSI(args) {
		flags, err := MSIToFlags(args)
		if err != nil {
			return fail(stderr, false, err)
		}
		args = flags
	}
	opts, err := ParseFlags(args)
	if errors.Is(err, ErrHelp) {
		fmt.Fprint(stdout, Usage)
		return ExitOK
	}
	if err != nil {
		silent := false
		for _, a := range args {
			silent = silent || a == "--silent"
		}
		return fail(stderr, silent, fmt.Errorf("%w\n%s", err, Usage))
	}
	opts.ApplyConfig(cfg)
	res, err := Install(ctx, opts, self)
	if err != nil {
		return fail(stderr, opts.Silent, err)
	}
	if !opts.Silent {
		fmt.Fprintf(stdout, "Tether jump client installed in %s.\n", res.Dir)
		for _, w := range res.Warnings {
			fmt.Fprintf(stderr, "warning: %s\n", w)
		}
		if res.Next != "" {
			fmt.Fprintln(stdout, res.Next)
		}
	}
	return ExitOK
}

// looksLikeMSI: only property assignments and /quiet, no -- flags.
func looksLikeMSI(args []string) bool {
	if len(args) == 0 {
		return false
	}
	for _, a := range args {
		if strings.HasPrefix(a, "-") || (!strings.EqualFold(a, msiQuiet) && !strings.Contains(a, "=")) {
			return false
		}
	}
	return true
}

// fail reports err (OS log when silent, stderr otherwise) and returns its
// exit status. A silent install falls back to stderr only when the OS log
// is unreachable, so the failure is never lost entirely.
func fail(stderr io.Writer, silent bool, err error) int {
	if silent {
		if lerr := ReportFailure(err); lerr != nil {
			fmt.Fprintf(stderr, "tether install: %v (and the OS log failed: %v)\n", err, lerr)
		}
		return ExitCode(err)
	}
	if errors.Is(err, ErrRootWithoutUser) {
		fmt.Fprintf(stderr, "Warning: %v\n", err)
	} else {
		fmt.Fprintf(stderr, "tether install: %v\n", err)
	}
	return ExitCode(err)
}
