package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := root()
	cmd.SetOut(&out)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(t.Context())
	return out.String(), err
}

func TestHelpGolden(t *testing.T) {
	for name, args := range map[string][]string{
		"root":        {"--help"},
		"serve":       {"serve", "--help"},
		"user-add":    {"user", "add", "--help"},
		"user-access": {"user", "access", "--help"},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := run(t, "", args...)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				os.WriteFile(golden, []byte(out), 0o644)
			}
			want, _ := os.ReadFile(golden)
			if out != string(want) {
				t.Fatalf("help changed (run with -update if intended):\n%s", out)
			}
		})
	}
}

func TestUserAddAndToken(t *testing.T) {
	data := t.TempDir()
	if _, err := run(t, "", "user", "add", "alice", "--data", data); err == nil {
		t.Fatal("a password on no stdin flag must be refused")
	}
	if _, err := run(t, "short\n", "user", "add", "alice", "--password-stdin", "--data", data); err == nil {
		t.Fatal("short password accepted")
	}
	out, err := run(t, "long-enough-pw\n", "user", "add", "alice", "--password-stdin", "--data", data)
	if err != nil || out != "added user alice\n" {
		t.Fatalf("%q %v", out, err)
	}
	out, err = run(t, "", "token", "create", "alice", "--data", data)
	if err != nil || !strings.HasPrefix(out, "tth_") {
		t.Fatalf("%q %v", out, err)
	}
	if _, err := run(t, "", "token", "create", "nobody", "--data", data); err == nil {
		t.Fatal("token for a missing user")
	}
	out, err = run(t, "", "user", "access", "alice", "--team", "servers", "--team", "lab", "--see-personal-groups", "--data", data)
	if err != nil || out != "user alice: teams [servers lab], sees personal groups: true\n" {
		t.Fatalf("access: %q %v", out, err)
	}
	if _, err := run(t, "", "user", "access", "alice", "--team", "user:bob", "--data", data); err == nil {
		t.Fatal("a personal group accepted as a team")
	}
}
