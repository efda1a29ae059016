package agent_test

import (
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/installer"
)

// watchSelfUninstall tells whether a jump client the site removed
// uninstalled itself from dir. On Linux and macOS it does so in-process
// and dir is gone. On Windows it hands the job to a detached `tether
// uninstall` of its own binary, which here is a stand-in that cannot run:
// the hand-over is what is checked (e2e TestMSIUnderWine runs the real
// detached uninstall under Wine).
func watchSelfUninstall(t *testing.T) (uninstalled func(dir string) bool) {
	if runtime.GOOS != "windows" {
		return func(dir string) bool { _, err := os.Stat(dir); return os.IsNotExist(err) }
	}
	var mu sync.Mutex
	var dirs []string
	t.Cleanup(agent.SetUninstallDetached(func(rec *installer.Record) error {
		mu.Lock()
		defer mu.Unlock()
		dirs = append(dirs, rec.Dir)
		return nil
	}))
	return func(dir string) bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(dirs, dir)
	}
}
