//go:build !windows

package main

import (
	"context"

	"github.com/tetherhq/tether/agent"
)

// runJumpClient runs the jump client until ctx ends (SIGTERM from systemd,
// launchd or the init-script). The Windows service flag means nothing here.
func runJumpClient(ctx context.Context, o agent.JumpOptions, _ bool) error {
	return agent.RunJumpClient(ctx, o)
}
