package sysinfo

import (
	"context"
	"errors"
	"os"

	"github.com/shirou/gopsutil/v4/host"
)

func osName() (string, error) {
	var errs []error
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		f, err := os.Open(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		defer f.Close()
		if n := parseOSRelease(f); n != "" {
			return n, nil
		}
	}
	return "Linux", errors.Join(errs...)
}

func kernelVersion(ctx context.Context) (string, error) { return host.KernelVersionWithContext(ctx) }
