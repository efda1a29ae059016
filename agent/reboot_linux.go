package agent

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
)

// rebootOS asks systemd to reboot (logind decides whether this user may:
// by polkit's default the user of the active local session may, and a
// desktop's polkit agent asks for an admin password otherwise) and falls
// back to shutdown(8) on systems without systemd.
func rebootOS(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "systemctl", "reboot").CombinedOutput()
	if err == nil {
		return nil
	}
	out2, err2 := exec.CommandContext(ctx, "shutdown", "-r", "now").CombinedOutput()
	if err2 == nil {
		return nil
	}
	return fmt.Errorf("systemctl reboot: %w: %s; shutdown -r now: %w: %s",
		err, bytes.TrimSpace(out), err2, bytes.TrimSpace(out2))
}
