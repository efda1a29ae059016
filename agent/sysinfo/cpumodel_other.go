//go:build !windows

package sysinfo

func cpuModelFallback() string { return "" }
