package sysinfo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shirou/gopsutil/v4/disk"
)

// maxDisks caps the list: a host with thousands of mounts (containers)
// should not produce a huge answer.
const maxDisks = 64

// disks lists the mounted physical file systems with their usage. Each
// usage query (statfs, GetDiskFreeSpaceEx) runs on its own goroutine: one
// hung network mount costs that mount, not the list.
func disks(ctx context.Context) ([]Disk, error) {
	parts, err := disk.PartitionsWithContext(ctx, false)
	if err != nil && len(parts) == 0 {
		return nil, err
	}
	seen := map[string]bool{}
	var mounts []disk.PartitionStat
	for _, p := range parts {
		if p.Mountpoint == "" || seen[p.Mountpoint] || len(mounts) == maxDisks {
			continue
		}
		seen[p.Mountpoint] = true
		mounts = append(mounts, p)
	}

	type result struct {
		d   Disk
		err error
	}
	ch := make(chan result, len(mounts))
	for _, p := range mounts {
		go func() {
			u, err := disk.UsageWithContext(ctx, p.Mountpoint)
			if err != nil {
				ch <- result{err: fmt.Errorf("%s: %w", p.Mountpoint, err)}
				return
			}
			ch <- result{d: Disk{Mount: p.Mountpoint, FS: fsName(p.Fstype, u.Fstype),
				Total: u.Total, Used: u.Used, Free: u.Free}}
		}()
	}
	out := make([]Disk, 0, len(mounts))
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	for range mounts {
		select {
		case r := <-ch:
			if r.err != nil {
				errs = append(errs, r.err)
				continue
			}
			if r.d.Total > 0 { // pseudo file systems report no size
				out = append(out, r.d)
			}
		case <-ctx.Done():
			return sortDisks(out), errors.Join(append(errs, ctx.Err())...)
		}
	}
	return sortDisks(out), errors.Join(errs...)
}

func sortDisks(d []Disk) []Disk {
	slices.SortFunc(d, func(a, b Disk) int { return strings.Compare(a.Mount, b.Mount) })
	return d
}

func fsName(fromMount, fromUsage string) string {
	if fromMount != "" {
		return fromMount
	}
	return fromUsage
}
