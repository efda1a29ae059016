package agent

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/installer"
	"github.com/tetherhq/tether/wire"
)

// uninstallSelf runs when the site removed this jump client (C8): a
// Windows, macOS or desktop-Linux install removes itself; a headless Linux
// install (the .bin with its init-script) keeps its files until the admin
// runs its uninstall script.
func (j *jumpClient) uninstallSelf(ctx context.Context) {
	dir := filepath.Dir(j.o.Executable)
	rec, err := installer.ReadRecord(dir)
	if err != nil {
		j.log.Info("removed from the site; not an installed jump client, nothing to uninstall", "err", err)
		return
	}
	if rec.Launcher == installer.LauncherInitScript {
		j.log.Info("removed from the site; run the uninstall script to delete the files", "dir", dir)
		return
	}
	j.log.Info("removed from the site; uninstalling", "dir", dir, "launcher", rec.Launcher)
	if runtime.GOOS == "windows" {
		// A Windows service cannot stop and delete itself from inside
		// (installer.UninstallDetached).
		if err := uninstallDetached(rec); err != nil {
			j.log.Error("uninstall after removal", "err", err)
		}
		return
	}
	if err := installer.Uninstall(context.WithoutCancel(ctx), dir); err != nil {
		j.log.Error("uninstall after removal", "err", err)
	}
}

// uninstallDetached is installer.UninstallDetached. The package's tests
// replace it on Windows: it runs the jump client's binary, and theirs is
// a stand-in (e2e TestMSIUnderWine runs a real one under Wine).
var uninstallDetached = installer.UninstallDetached

// ReportUninstalled tells the site that the jump client whose binary is exe
// (with its state in stateDir) is being uninstalled by hand, so the console
// lists it as uninstalled (jc_uninstalled) instead of merely offline. It is
// best effort: an uninstall must work without the site.
func ReportUninstalled(ctx context.Context, exe, stateDir string) error {
	cfg, rec, err := EmbeddedConfig(exe)
	if err != nil {
		return err
	}
	st, err := ResolveState(stateDir)
	if err != nil {
		return err
	}
	id := st.enrolledID()
	if id == "" {
		return nil // never enrolled: nothing is listed
	}
	key, err := st.Identity()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	h := wire.Hello{Mode: wire.AgentMode(cfg.Mode), Config: rec, JumpClientID: id, Host: collectHost(), Uninstalling: true}
	c, _, err := connect(ctx, cfg, h, key) // the welcome acknowledges it
	if err != nil {
		return fmt.Errorf("tell the site: %w", err)
	}
	c.conn.Close(websocket.StatusNormalClosure, "uninstalled")
	return nil
}
