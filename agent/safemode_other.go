//go:build !windows

package agent

// systemSafeMode: Safe Mode exists on Windows only (B2).
func systemSafeMode() *SafeMode { return nil }
