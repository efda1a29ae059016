//go:build !windows

package sysinfo

import (
	"context"
	"errors"
	"io/fs"
	"time"

	"github.com/shirou/gopsutil/v4/host"
)

// users reads the login records (utmp on Linux, utmpx on macOS). A host
// without a utmp file (containers, minimal systems) has no logged-in users
// to report, which is not an error.
func users(ctx context.Context) ([]User, error) {
	stats, err := host.UsersWithContext(ctx)
	if errors.Is(err, fs.ErrNotExist) {
		return []User{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]User, 0, len(stats))
	for _, s := range stats {
		u := User{Name: s.User, Terminal: s.Terminal, Host: s.Host}
		if s.Started > 0 {
			u.Since = time.Unix(int64(s.Started), 0).UTC()
		}
		out = append(out, u)
	}
	return out, nil
}
