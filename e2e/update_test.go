//go:build linux

package e2e

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/syncbuf"
	"github.com/tetherhq/tether/site"
)

// buildAgent builds cmd/tether as version into path.
func buildAgent(t *testing.T, version, path string) []byte {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "build", "-ldflags", "-X main.version="+version, "-o", path, "./cmd/tether")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build agent %s: %v\n%s", version, err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestJumpClientSelfUpdate runs a real 1.0 jump client against a 2.0 site
// that serves the real 2.0 build: on check-in the client downloads and
// verifies it, replaces its own executable (keeping its installer config)
// and execs into it in the same process, and rejoins as 2.0 (C12).
func TestJumpClientSelfUpdate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows restarts through the service manager, not in place")
	}
	dir := t.TempDir()
	platform := runtime.GOOS + "-" + runtime.GOARCH
	agents := filepath.Join(dir, "agents")
	// One after the other: the second build reuses the first's compiled
	// packages and only links again.
	served := filepath.Join(agents, "tether-"+platform)
	buildAgent(t, "1.0", served)
	s := sitetest.Start(t, func(o *site.Options) { o.Version, o.AgentsDir = "2.0", agents })
	exe := filepath.Join(dir, "jumpclient", "tether")
	installOld(t, s, platform, exe)
	v2 := buildAgent(t, "2.0", served) // the site is upgraded
	var logs syncbuf.Buffer
	cmd := exec.Command(exe, "service", "run", "--state-dir", filepath.Join(dir, "state"))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed when the process is gone
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("jump client output:\n%s", logs.String())
		}
	})

	waitForVersion(t, s, "2.0", exited)
	select {
	case <-exited:
		t.Fatalf("the jump client exited (%v) instead of restarting in place", cmd.ProcessState)
	default:
	}
	if runtime.GOOS == "linux" {
		// The process (same PID) now runs the file on disk, not the
		// unlinked 1.0 image.
		if img, err := os.Readlink("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/exe"); err != nil || img != exe {
			t.Fatalf("pid %d runs %q (%v), want %s", cmd.Process.Pid, img, err, exe)
		}
	}
	onDisk, _ := os.ReadFile(exe)
	if !bytes.HasPrefix(onDisk, v2) {
		t.Fatal("the executable on disk is not the 2.0 build")
	}
	if cfg, _, err := embedcfg.ReadFile(exe); err != nil || cfg.Kind != embedcfg.KindInstaller {
		t.Fatalf("the new executable lost its installer config: %v", err)
	}
	if out, err := exec.Command(exe, "version").Output(); err != nil || strings.TrimSpace(string(out)) != "2.0" {
		t.Fatalf("new executable reports %q (%v)", out, err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(exe)); len(ents) != 1 {
		t.Fatalf("left files next to the executable: %v", ents)
	}
}

// installOld writes to exe the raw installer the site serves now (the old
// build with its signed config), as a computer got it before the site was
// upgraded.
func installOld(t *testing.T, s *sitetest.Site, platform string, exe string) {
	t.Helper()
	var in map[string]any
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"platform": platform, "valid_for": "1h"}, &in); st != 201 {
		t.Fatalf("create installer: %d %v", st, in)
	}
	res, err := s.Client.Get(in["download_url"].(string) + "?format=raw")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if _, _, err := embedcfg.Parse(raw); err != nil {
		t.Fatalf("installer download: %v", err)
	}
	os.MkdirAll(filepath.Dir(exe), 0o755)
	if err := os.WriteFile(exe, raw, 0o755); err != nil {
		t.Fatal(err)
	}
}

// waitForVersion waits until the site lists one online jump client
// reporting version.
func waitForVersion(t *testing.T, s *sitetest.Site, version string, exited <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var l struct {
		Items []struct{ Status, Version string }
	}
	for {
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		if len(l.Items) == 1 && l.Items[0].Status == "online" && l.Items[0].Version == version {
			return
		}
		select {
		case <-exited:
			t.Fatal("the jump client exited")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the site lists %+v, want one online jump client on %s", l.Items, version)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
