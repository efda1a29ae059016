package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
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
		"root":         {"--help"},
		"serve":        {"serve", "--help"},
		"user-add":     {"user", "add", "--help"},
		"user-passwd":  {"user", "passwd", "--help"},
		"user-access":  {"user", "access", "--help"},
		"user-disable": {"user", "disable", "--help"},
		"user-enable":  {"user", "enable", "--help"},
		"token":        {"token", "--help"},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := run(t, "", args...)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, out)
		})
	}
}

// golden compares out with testdata/name.golden (rewritten with -update).
func golden(t *testing.T, name, out string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		os.WriteFile(path, []byte(out), 0o644)
	}
	want, _ := os.ReadFile(path)
	if out != string(want) {
		t.Fatalf("%s changed (run with -update if intended):\n%s", name, out)
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
	if _, err := run(t, "", "token", "create", "alice", "--data", data); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "", "token", "list", "alice", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	// The creation times vary: compare the rest with the golden file.
	listing := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`).ReplaceAllString(out, "<time>")
	golden(t, "token-list", listing)
	if out, err = run(t, "", "token", "revoke", "1", "--data", data); err != nil || out != "revoked token 1 (cli) of alice\n" {
		t.Fatalf("revoke: %q %v", out, err)
	}
	if _, err = run(t, "", "token", "revoke", "1", "--data", data); err == nil {
		t.Fatal("revoking a revoked token succeeded")
	}
	if out, _ = run(t, "", "token", "list", "--data", data); strings.Contains(out, "\n1 ") {
		t.Fatalf("revoked token still listed:\n%s", out)
	}
	out, err = run(t, "", "user", "access", "alice", "--team", "servers", "--team", "lab", "--see-personal-groups", "--data", data)
	if err != nil || out != "user alice: teams [servers lab], sees personal groups: true\n" {
		t.Fatalf("access: %q %v", out, err)
	}
	if _, err := run(t, "", "user", "access", "alice", "--team", "user:bob", "--data", data); err == nil {
		t.Fatal("a personal group accepted as a team")
	}
}
