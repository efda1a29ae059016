//go:build !linux && !windows

package agent

import (
	"context"
	"errors"
	"fmt"
	"runtime"
)

// rebootOS: reboot and reconnect is not offered on macOS (B5), and the
// site never asks; other systems have no implementation.
func rebootOS(context.Context) error {
	return fmt.Errorf("%w: reboot and reconnect on %s", errors.ErrUnsupported, runtime.GOOS)
}
