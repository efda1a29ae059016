package sysinfo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/shirou/gopsutil/v4/host"
)

// Limits of one Collect call.
const (
	// maxSample is the longest CPU sampling window (CPU % needs two readings).
	maxSample = 500 * time.Millisecond
	// maxDuration bounds a whole call when ctx allows longer: the parts run
	// in parallel, so this is only reached when something hangs.
	maxDuration = 3 * time.Second
	// topProcesses is how many processes the answer lists.
	topProcesses = 15
)

// errTimedOut is reported for a part still running when the call ends.
var errTimedOut = errors.New("timed out")

// collector holds the knobs of one collection; tests shrink them.
type collector struct {
	sample   time.Duration
	deadline time.Duration
	top      int
}

// part gathers one field group. It returns a function that stores its
// result, run by Collect's own goroutine, so a part that finishes after the
// call has returned cannot touch the Info the caller holds.
type part struct {
	name string
	run  func(ctx context.Context) (func(*Info), error)
}

// Collect gathers the system information, all parts in parallel, within
// ctx and at most a few seconds. It fails only when ctx is already done;
// otherwise parts that fail or time out are listed in Info.Errors.
func Collect(ctx context.Context) (*Info, error) {
	return collector{sample: maxSample, deadline: maxDuration, top: topProcesses}.collect(ctx)
}

func (c collector) collect(ctx context.Context) (*Info, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sysinfo: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.deadline)
	defer cancel()
	sample := sampleWindow(ctx, c.sample)

	parts := []part{
		{"os", func(ctx context.Context) (func(*Info), error) {
			o, err := osInfo(ctx)
			return func(i *Info) { i.OS = o }, err
		}},
		{"hostname", func(context.Context) (func(*Info), error) {
			h, err := os.Hostname()
			return func(i *Info) { i.Hostname = h }, err
		}},
		{"uptime", func(ctx context.Context) (func(*Info), error) {
			u, err := host.UptimeWithContext(ctx)
			return func(i *Info) { i.UptimeS = u }, err
		}},
		{"cpu", func(ctx context.Context) (func(*Info), error) {
			v, err := cpuInfo(ctx, sample)
			return func(i *Info) { i.CPU = v }, err
		}},
		{"memory", func(ctx context.Context) (func(*Info), error) {
			v, err := memoryInfo(ctx)
			return func(i *Info) { i.Memory = v }, err
		}},
		{"disks", func(ctx context.Context) (func(*Info), error) {
			v, err := disks(ctx)
			return func(i *Info) { i.Disks = v }, err
		}},
		{"interfaces", func(context.Context) (func(*Info), error) {
			v, err := interfaces()
			return func(i *Info) { i.Interfaces = v }, err
		}},
		{"users", func(ctx context.Context) (func(*Info), error) {
			v, err := users(ctx)
			return func(i *Info) { i.Users = v }, err
		}},
		{"processes", func(ctx context.Context) (func(*Info), error) {
			v, err := topByCPU(ctx, sample, c.top)
			return func(i *Info) { i.Processes = v }, err
		}},
	}

	return run(ctx, parts), nil
}

// run runs the parts in parallel and stores what each returns, until all
// have answered or ctx is done; the parts still running then are reported
// as timed out and their late results dropped.
func run(ctx context.Context, parts []part) *Info {
	type result struct {
		name  string
		store func(*Info)
		err   error
	}
	results := make(chan result, len(parts)) // buffered: late parts never block
	for _, p := range parts {
		go func() {
			store, err := p.run(ctx)
			results <- result{p.name, store, err}
		}()
	}

	info := &Info{Disks: []Disk{}, Interfaces: []Interface{}, Users: []User{}, Processes: []Process{}}
	pending := make(map[string]bool, len(parts))
	for _, p := range parts {
		pending[p.name] = true
	}
	for len(pending) > 0 {
		select {
		case r := <-results:
			delete(pending, r.name)
			if r.store != nil {
				r.store(info)
			}
			if r.err != nil {
				info.Errors = append(info.Errors, r.name+": "+r.err.Error())
			}
		case <-ctx.Done():
			for _, name := range slices.Sorted(maps.Keys(pending)) {
				info.Errors = append(info.Errors, name+": "+errTimedOut.Error())
			}
			pending = nil
		}
	}
	// A part may have stored nil for a list; the answer always has lists.
	info.Disks = nonNil(info.Disks)
	info.Interfaces = nonNil(info.Interfaces)
	info.Users = nonNil(info.Users)
	info.Processes = nonNil(info.Processes)
	slices.Sort(info.Errors)
	return info
}

// sampleWindow is the CPU sampling time: want, shortened so that sampling
// ends well before ctx's deadline.
func sampleWindow(ctx context.Context, want time.Duration) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		if half := time.Until(d) / 2; half < want {
			return max(half, 0)
		}
	}
	return want
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
