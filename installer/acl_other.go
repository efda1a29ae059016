//go:build !windows

package installer

// secureServiceDirs: on Unix the install dir's owner and modes (tree.go)
// already keep others out.
func secureServiceDirs(dir, state string) error { return nil }
