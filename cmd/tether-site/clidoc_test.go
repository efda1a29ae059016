package main

import (
	"testing"

	"github.com/tetherhq/tether/internal/clidoc"
)

// TestCLIDocumented keeps docs/CLI.md's `tether-site` section generated
// from this command tree.
func TestCLIDocumented(t *testing.T) {
	msg, err := clidoc.Check("../../docs/CLI.md", "tether-site", clidoc.Render(root()), *update)
	if err != nil || msg != "" {
		t.Fatal(err, msg)
	}
}
