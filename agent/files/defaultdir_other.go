//go:build !windows

package files

func knownDownloads() (string, bool) { return "", false }
