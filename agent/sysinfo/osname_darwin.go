package sysinfo

import (
	"context"
	"os"

	"github.com/shirou/gopsutil/v4/host"
)

func osName() (string, error) {
	f, err := os.Open("/System/Library/CoreServices/SystemVersion.plist")
	if err != nil {
		return "macOS", err
	}
	defer f.Close()
	v, err := parsePlistStrings(f)
	return macName(v), err
}

func kernelVersion(ctx context.Context) (string, error) { return host.KernelVersionWithContext(ctx) }
