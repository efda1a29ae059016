//go:build !windows

package agent

import "context"

// sessionViewHelper: only a Windows service runs apart from the user's
// desktop (session 0); elsewhere the jump client finds the session itself
// (agent/desktop).
func sessionViewHelper(string, string) func(context.Context, ViewHelperJob) error { return nil }

// joinInteractiveStation: window stations are Windows'.
func joinInteractiveStation() error { return nil }

// apartFromDesktop: only a Windows service runs apart from the user's
// desktop.
func apartFromDesktop() bool { return false }
