package agent

import (
	"context"
	"time"
)

// Rebooting the computer is one small function per OS, rebootOS
// (reboot_linux.go, reboot_windows.go, reboot_other.go): everything around
// it — the customer's answer, the logon entry that brings the support app
// back, Safe Mode, the reports to the site — is the same code everywhere.
// SupportOptions.Reboot and JumpOptions.Reboot replace only this function;
// tests make it end the running agent, as a real reboot does.

// RebootFunc restarts the computer now. When it returns nil the OS is
// going down and will stop this process.
type RebootFunc func(ctx context.Context) error

// shutdownGrace is how long an agent whose reboot call succeeded waits to
// be stopped by the OS before it concludes the computer is not restarting.
const shutdownGrace = 3 * time.Minute

// waitForShutdown waits until the OS stops the agent (ctx ends) or the
// grace time passes; it reports whether the OS stopped it.
func waitForShutdown(ctx context.Context, grace time.Duration) bool {
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return true
	case <-t.C:
		return false
	}
}
