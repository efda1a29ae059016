package main

import (
	"bytes"
	"errors"
	"flag"
	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/agent/desktop"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetherhq/tether/wire"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestHelpGolden pins the CLI that scripts and admins rely on (SPEC F).
func TestHelpGolden(t *testing.T) {
	for name, args := range map[string][]string{
		"root":      {"--help"},
		"support":   {"support", "--help"},
		"uninstall": {"uninstall", "--help"},
		"install":   {"install", "--help"},
	} {
		t.Run(name, func(t *testing.T) { helpGolden(t, name, args) })
	}
}

// helpGolden compares what `tether args…` prints with testdata/name.golden.
func helpGolden(t *testing.T, name string, args []string) {
	t.Helper()
	var out bytes.Buffer
	cmd := rootCmd()
	cmd.SetOut(&out)
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", name+".golden")
	if *update {
		os.WriteFile(golden, out.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("help changed (run with -update if intended):\n%s", out.String())
	}
}

func TestExitStatus(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{wire.Err(wire.SessionInvalid), 10},
		{wire.Err(wire.SessionExpired), 11},
		{wire.Err(wire.SessionClosed), 12},
		{wire.Err(wire.SessionDeleted), 13},
		{wire.Err(wire.SecurityCodeInvalid), 15},
		{wire.Err(wire.HostInstalled), 17},
		{usageError{errors.New("bad flag")}, 2},
		{errors.New("other"), 1},
	} {
		if got := exitStatus(tc.err); got != tc.want {
			t.Errorf("%v: %d want %d", tc.err, got, tc.want)
		}
	}
}

func TestSupportFlagsGoTogether(t *testing.T) {
	cmd := rootCmd()
	cmd.SetArgs([]string{"support", "--site", "https://x"})
	cmd.SetOut(&bytes.Buffer{})
	err := cmd.Execute()
	if exitStatus(err) != 2 {
		t.Fatalf("got %v", err)
	}
}

// TestViewHelperNoScreen: a view helper that finds no screen leaves the
// stream alone (the site is never dialled) and exits with the status its
// service starts another helper on.
func TestViewHelperNoScreen(t *testing.T) {
	defer desktop.Override(func() (*desktop.Session, error) { return nil, desktop.ErrNoDisplay })()
	cmd := rootCmd()
	cmd.SetArgs([]string{"service", "view-helper"})
	cmd.SetIn(strings.NewReader(`{"site_url":"https://127.0.0.1:1","view":{"stream":"s1","token":"dG9rZW4="}}`))
	var stderr bytes.Buffer
	cmd.SetOut(&stderr)
	cmd.SetErr(&stderr)
	err := cmd.ExecuteContext(t.Context())
	if exitStatus(err) != agent.HelperNoDisplayExit || !strings.Contains(stderr.String(), "no screen") {
		t.Fatalf("got %v (exit %d)\n%s", err, exitStatus(err), stderr.String())
	}
}
