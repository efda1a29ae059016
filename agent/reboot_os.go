package agent

import (
	"context"
	"fmt"
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

// callReboot runs reboot detached from ctx: the OS stopping this process
// (SIGTERM cancels ctx) while `systemctl reboot` still runs must not kill
// the command or count as its failure. Then it waits for the OS to stop
// the agent, at most shutdownGrace. It reports stopped when ctx ended: the
// system is going down, and whatever was arranged for the restart must
// stay; otherwise err says why the computer did not restart.
func callReboot(ctx context.Context, reboot RebootFunc) (stopped bool, err error) {
	if reboot == nil {
		reboot = rebootOS
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err = reboot(rctx); ctx.Err() != nil {
		return true, err
	}
	if err != nil {
		return false, err
	}
	if waitForShutdown(ctx, shutdownGrace) {
		return true, nil
	}
	return false, fmt.Errorf("the computer did not restart within %s", shutdownGrace)
}

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
