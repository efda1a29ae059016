//go:build darwin && !cgo

package capture

import "fmt"

// The screenshot library needs cgo (CoreGraphics) on macOS. Registering a
// stub keeps WithBackend("screenshot") meaningful: it fails with a message
// saying why instead of "unknown backend".
func init() {
	register(BackendScreenshot, 10, func(*config) (Capturer, error) {
		return nil, fmt.Errorf("capture: %s backend on macOS requires a cgo build: %w", BackendScreenshot, ErrUnsupported)
	})
}
