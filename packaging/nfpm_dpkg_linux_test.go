//go:build linux

package packaging

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tetherhq/tether/installer"
)

// dpkgRoot skips unless this machine can really install packages: root
// and dpkg (the tests install and remove a uniquely named package and
// clean up with dpkg --purge).
func dpkgRoot(t *testing.T) {
	t.Helper()
	needTool(t, "dpkg")
	if os.Geteuid() != 0 {
		t.Skip("dpkg -i needs root")
	}
}

func dpkg(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("dpkg", args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestDebInstallRunsTetherInstall installs the .deb for real (dpkg -i, as
// root) around a stand-in agent that records its arguments, then removes
// it (dpkg -r): postinst must run `tether install` and prerm `tether
// uninstall` on the same directory, with the installer's flags.
func TestDebInstallRunsTetherInstall(t *testing.T) {
	dpkgRoot(t)
	id := randomID(t)
	name := "tether-jump-client-" + id
	deb := writeTemp(t, name+".deb", linuxPkg(t, "deb", id, []byte(standInAgent), nil))
	account := addUser(t)
	log := filepath.Join(t.TempDir(), "calls")
	env := []string{"FAKE_AGENT_LOG=" + log, "TETHER_USER=" + account}
	t.Cleanup(func() {
		exec.Command("dpkg", "--purge", name).Run()
		os.RemoveAll("/opt/tether-" + id)
	})
	dpkg(t, env, "-i", deb)
	dir := "/opt/tether-" + id
	staged := "/usr/lib/tether/" + id + "/tether"
	if st, err := os.Stat(staged); err != nil || st.Mode().Perm() != 0o755 || st.Sys() == nil {
		t.Fatalf("packaged agent: %v %v", st, err)
	}
	calls, _ := os.ReadFile(log)
	want := "tether|install|--install-dir|" + dir + "|--mode|service|--user|" + account + "|--silent\n"
	if string(calls) != want {
		t.Fatalf("postinst ran:\n%s\nwant:\n%s", calls, want)
	}
	if st := dpkg(t, nil, "-s", name); !strings.Contains(st, "Status: install ok installed") {
		t.Errorf("dpkg -s:\n%s", st)
	}
	os.Remove(log)
	dpkg(t, env, "-r", name)
	calls, _ = os.ReadFile(log)
	if want := "tether|uninstall|--install-dir|" + dir + "\n"; string(calls) != want {
		t.Errorf("prerm ran:\n%s\nwant:\n%s", calls, want)
	}
	for _, p := range []string{dir, staged, filepath.Dir(staged)} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left after dpkg -r (%v)", p, err)
		}
	}
}

// TestDebJumpClientEndToEnd installs a .deb around the fake agent whose
// install and uninstall are the real installer: the jump client must run
// as TETHER_USER from /opt/tether-<id>, and dpkg -r must remove it, root's
// launcher and records included.
func TestDebJumpClientEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go binary")
	}
	dpkgRoot(t)
	agentPath := filepath.Join(t.TempDir(), "tether")
	if out, err := exec.Command("go", "build", "-o", agentPath, "./testdata/fakeagent").CombinedOutput(); err != nil {
		t.Fatalf("build fake agent: %v\n%s", err, out)
	}
	agent, _ := os.ReadFile(agentPath)
	id := randomID(t)
	name := "tether-jump-client-" + id
	dir := "/opt/tether-" + id
	deb := writeTemp(t, name+".deb", linuxPkg(t, "deb", id, agent, nil))
	account := addUser(t)
	u, _ := user.Lookup(account)
	t.Cleanup(func() {
		exec.Command("dpkg", "--purge", name).Run()
		if rec, err := installer.ReadRecord(dir); err == nil && rec.RootLauncher != "" {
			exec.Command(rec.RootLauncher, "stop").Run()
			os.Remove(rec.RootLauncher)
			os.Remove(rec.RootRecord)
		}
		os.RemoveAll(dir)
	})
	out := dpkg(t, []string{"TETHER_USER=" + account}, "-i", deb)
	t.Logf("dpkg -i:\n%s", out)
	rec, err := installer.ReadRecord(dir)
	if err != nil {
		t.Fatalf("no jump client in %s after dpkg -i: %v\n%s", dir, err, out)
	}
	if rec.User != account || rec.Mode != installer.ModeService {
		t.Errorf("record %+v", rec)
	}
	if _, err := os.Stat("/run/systemd/system"); err == nil {
		t.Logf("systemd runs here: launcher %s", rec.Launcher)
	} else {
		// No systemd: root's init-script launcher, started by postinst.
		if rec.Launcher != installer.LauncherInitScript || rec.RootLauncher == "" {
			t.Fatalf("launcher %s, root launcher %q", rec.Launcher, rec.RootLauncher)
		}
		waitFile(t, filepath.Join(dir, "agent-uid"), u.Uid)
	}
	dpkg(t, nil, "-r", name)
	for _, p := range []string{dir, rec.RootLauncher, rec.RootRecord} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left after dpkg -r (%v)", p, err)
		}
	}
	if rec.RootLauncher != "" {
		if out, _ := exec.Command("pgrep", "-u", u.Uid, "-f", filepath.Join(dir, "tether")).Output(); len(out) != 0 {
			t.Errorf("jump client still running after dpkg -r: pid %s", strconv.Quote(string(out)))
		}
	}
}
