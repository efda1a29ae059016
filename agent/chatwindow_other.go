//go:build !windows

package agent

import "runtime"

// canChatWindow reports whether this jump client can show the customer
// window to a logged-in user: on Linux (X11, agent/ui); macOS has no
// window backend yet.
func canChatWindow() bool { return runtime.GOOS == "linux" }
