package sysinfo

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/process"
)

// procSample is one process between the two readings.
type procSample struct {
	p        *process.Process
	cpuStart float64 // seconds of CPU time at the first reading; <0 unreadable
	cpu      float64 // percent of the machine during the window
	rss      uint64
}

// topByCPU returns the n busiest processes: by CPU share over the sample
// window, then by resident memory (most processes are idle, so memory
// decides most of the list). Names and users are looked up only for the
// n that are returned, which keeps the call cheap on a host with thousands
// of processes (a user lookup can cost a token query on Windows).
func topByCPU(ctx context.Context, sample time.Duration, n int) ([]Process, error) {
	procs, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return nil, err
	}
	ncpu, err := cpu.CountsWithContext(ctx, true)
	if err != nil || ncpu < 1 {
		ncpu = runtime.NumCPU()
	}
	samples := make([]procSample, 0, len(procs))
	start := time.Now()
	for _, p := range procs {
		s := procSample{p: p, cpuStart: -1}
		if t, err := p.TimesWithContext(ctx); err == nil {
			s.cpuStart = t.User + t.System
		}
		samples = append(samples, s)
	}
	if err := sleep(ctx, sample); err != nil {
		return nil, err
	}
	window := time.Since(start).Seconds() * float64(ncpu)
	live := samples[:0]
	for _, s := range samples {
		m, err := s.p.MemoryInfoWithContext(ctx)
		if err != nil {
			if ok, _ := s.p.IsRunningWithContext(ctx); !ok {
				continue // exited during the window
			}
		} else {
			s.rss = m.RSS
		}
		if t, err := s.p.TimesWithContext(ctx); err == nil && s.cpuStart >= 0 && window > 0 {
			s.cpu = round1(min(100, max(0, 100*(t.User+t.System-s.cpuStart)/window)))
		}
		live = append(live, s)
	}
	slices.SortFunc(live, func(a, b procSample) int {
		return cmp.Or(cmp.Compare(b.cpu, a.cpu), cmp.Compare(b.rss, a.rss), cmp.Compare(a.p.Pid, b.p.Pid))
	})
	live = live[:min(n, len(live))]
	out := make([]Process, 0, len(live))
	for _, s := range live {
		pr := Process{PID: s.p.Pid, CPUPercent: s.cpu, RSS: s.rss}
		pr.Name, _ = s.p.NameWithContext(ctx)
		pr.User, _ = s.p.UsernameWithContext(ctx)
		out = append(out, pr)
	}
	return out, nil
}
