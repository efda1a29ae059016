//go:build !linux && !windows && !darwin

package ui

import (
	"context"
	"fmt"
	"runtime"
)

func open(context.Context, Options) (Window, error) {
	return nil, fmt.Errorf("%w (%s)", ErrUnsupported, runtime.GOOS)
}
