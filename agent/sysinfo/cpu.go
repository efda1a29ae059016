package sysinfo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/mem"
)

// cpuInfo reads the processor model and counts, and measures usage over
// sample: two readings of the cumulative CPU times, busy share of the
// difference.
func cpuInfo(ctx context.Context, sample time.Duration) (CPU, error) {
	var c CPU
	var errs []error
	before, err := cpu.TimesWithContext(ctx, false)
	if err != nil || len(before) == 0 {
		errs = append(errs, fmt.Errorf("times: %w", orEmpty(err)))
	}
	infos, err := cpu.InfoWithContext(ctx)
	if err == nil && len(infos) > 0 {
		c.Model = strings.TrimSpace(infos[0].ModelName)
	}
	if c.Model == "" {
		c.Model = cpuModelFallback()
	}
	if err != nil && c.Model == "" {
		errs = append(errs, fmt.Errorf("model: %w", err))
	}
	if n, err := cpu.CountsWithContext(ctx, true); err == nil {
		c.Cores = n
	} else {
		errs = append(errs, fmt.Errorf("cores: %w", err))
	}
	if n, err := cpu.CountsWithContext(ctx, false); err == nil && n > 0 {
		c.PhysicalCores = n
	}
	if len(before) == 0 {
		return c, errors.Join(errs...)
	}
	if err := sleep(ctx, sample); err != nil {
		return c, errors.Join(append(errs, err)...)
	}
	after, err := cpu.TimesWithContext(ctx, false)
	if err != nil || len(after) == 0 {
		return c, errors.Join(append(errs, fmt.Errorf("times: %w", orEmpty(err)))...)
	}
	c.UsagePercent = busyPercent(before[0], after[0])
	return c, errors.Join(errs...)
}

// busyPercent is the share of non-idle time between two readings, rounded
// to one decimal.
func busyPercent(a, b cpu.TimesStat) float64 {
	total := cpuTotal(b) - cpuTotal(a)
	idle := (b.Idle + b.Iowait) - (a.Idle + a.Iowait)
	if total <= 0 {
		return 0
	}
	return round1(math.Min(100, math.Max(0, 100*(total-idle)/total)))
}

// cpuTotal sums the times; guest time is already counted in user time on
// Linux, so it is left out.
func cpuTotal(t cpu.TimesStat) float64 {
	return t.User + t.System + t.Idle + t.Nice + t.Iowait + t.Irq + t.Softirq + t.Steal
}

func memoryInfo(ctx context.Context) (Memory, error) {
	v, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		return Memory{}, err
	}
	return Memory{Total: v.Total, Used: v.Used, Available: v.Available}, nil
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func orEmpty(err error) error {
	if err == nil {
		return errors.New("no data")
	}
	return err
}
