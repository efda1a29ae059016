package agent

import (
	"fmt"
	"os"
	"runtime"

	"github.com/tetherhq/tether/installer"
)

// removeBinary deletes the support app's own executable (A5). A running
// .exe cannot delete itself on Windows, so a detached cmd waits for us to
// exit and deletes it then.
func removeBinary(path string) error {
	if runtime.GOOS != "windows" {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("remove %s: %w", path, err)
		}
		return nil
	}
	return installer.DeleteAfterExit(path)
}
