//go:build !linux && !darwin && !windows

package sysinfo

import (
	"context"
	"runtime"

	"github.com/shirou/gopsutil/v4/host"
)

func osName() (string, error) { return runtime.GOOS, nil }

func kernelVersion(ctx context.Context) (string, error) { return host.KernelVersionWithContext(ctx) }
