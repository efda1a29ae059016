package agent

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
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
	cmd := exec.Command("cmd.exe", "/C", "ping -n 3 127.0.0.1 >NUL & del /F /Q \""+path+"\"")
	return cmd.Start()
}
