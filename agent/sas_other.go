//go:build !windows

package agent

// useServiceSAS: only a Windows view helper asks its service for
// Ctrl+Alt+Del.
func useServiceSAS(uint64) {}
