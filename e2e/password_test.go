//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tetherhq/tether/internal/sitetest"
)

// TestChangePasswordInBrowser: the technician changes their own password
// in the console (password.mjs) against a real site; afterwards only the
// new password logs in.
func TestChangePasswordInBrowser(t *testing.T) {
	prerequisites(t)
	s := sitetest.Start(t, nil)
	node := exec.CommandContext(t.Context(), "node", "password.mjs")
	node.Env = append(os.Environ(), "SITE_URL="+s.URL, "TECH_NAME=tech", "TECH_PASSWORD=tech-password", "NEW_PASSWORD=changed-in-the-console")
	out, err := node.CombinedOutput()
	t.Logf("%s", strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("password.mjs: %v", err)
	}
	if st := s.Do("", "POST", "/api/v1/login", map[string]string{"name": "tech", "password": "tech-password"}, nil); st != 401 {
		t.Fatalf("the old password after the change: %d", st)
	}
}
