package agent_test

import (
	"runtime"
	"time"
)

// removedLater reports whether p is gone, allowing for how the support app
// removes its own binary: at once on Linux and macOS, and on Windows by a
// detached cmd.exe that waits about 3 s for the app to exit first
// (installer.DeleteAfterExit), which the tests under Wine run for real.
func removedLater(p string) bool {
	wait := time.Duration(0)
	if runtime.GOOS == "windows" {
		wait = 20 * time.Second
	}
	for deadline := time.Now().Add(wait); ; time.Sleep(100 * time.Millisecond) {
		if !exists(p) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
