//go:build !windows

package installer

// setDelayedStart is a Windows setting.
func setDelayedStart(*Record) {}
