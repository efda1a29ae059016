//go:build linux

package installer

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeAgent stands in for the tether binary: it records its argv and uid
// and stays up like a jump client until SIGTERM. It must not exec, so its
// /proc cmdline keeps DIR/tether, which the init-script matches. Called
// as `tether uninstall` (the uninstall script telling the site) it records
// that and returns, like the real one.
const fakeAgent = `#!/bin/sh
if [ "$1" = uninstall ]; then
	printf '%s\n' "$@" >"${TETHER_TEST_REPORT:-$(dirname "$0")/../uninstall-report}"
	exit 0
fi
printf '%s\n' "$@" >"$(dirname "$0")/agent-args"
id -u >"$(dirname "$0")/agent-uid"
trap 'kill $child 2>/dev/null; exit 0' TERM INT
sleep 300 &
child=$!
wait
`

// testSystemEnv is the real OS with root's own paths (/etc/init.d,
// /var/lib/tether) moved into a temp dir.
func testSystemEnv(t *testing.T) Env {
	env := SystemEnv()
	env.SysRoot = t.TempDir()
	return env
}

// testUser creates a throwaway account when running as root (the C3 case
// "root installs with --user"); otherwise the current user is used.
func testUser(t *testing.T) (name string, uid int, root bool) {
	t.Helper()
	return testUserHome(t, "")
}

// testUserHome is testUser with the account's home set to home (when root;
// otherwise the caller fakes the current user's home).
func testUserHome(t *testing.T, home string) (name string, uid int, root bool) {
	t.Helper()
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		return u.Username, uid, false
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("root but no useradd")
	}
	b := make([]byte, 3)
	rand.Read(b)
	name = "tjc" + hex.EncodeToString(b)
	args := []string{"-M", "-N", "-s", "/usr/sbin/nologin"}
	if home != "" {
		args = append(args, "-d", home)
	}
	if out, err := exec.Command("useradd", append(args, name)...).CombinedOutput(); err != nil {
		t.Skipf("useradd: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", name).Run() })
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	return name, uid, true
}

// worldReadableTemp returns a temp dir whose ancestors the test user can
// traverse (t.TempDir makes 0700 dirs).
func worldReadableTemp(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	for p := d; p != os.TempDir() && p != "/"; p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// worldWritableTemp is a temp dir anyone may write to (a test user's
// reports).
func worldWritableTemp(t *testing.T) string {
	t.Helper()
	d := worldReadableTemp(t)
	if err := os.Chmod(d, 0o777); err != nil {
		t.Fatal(err)
	}
	return d
}

func writeFakeAgent(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "fake-tether")
	if err := os.WriteFile(p, []byte(fakeAgent), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func shStatus(t *testing.T, script string, verb string) (int, string) {
	t.Helper()
	out, err := exec.Command("/bin/sh", script, verb).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

func ownerOf(t *testing.T, path string) int {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return int(fi.Sys().(*syscall.Stat_t).Uid)
}

func modeOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestInstallInitScriptEndToEnd is the headless Linux flow of SPEC C5 with
// real files, a real user (when root) and a running fake agent.
func TestInstallInitScriptEndToEnd(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("init-script is the Linux headless launcher")
	}
	name, uid, root := testUser(t)
	base := worldReadableTemp(t)
	self := writeFakeAgent(t, base)
	dir := filepath.Join(base, "jump client's dir") // spaces and quotes on purpose
	env := testSystemEnv(t)
	env.Getenv = func(k string) string {
		if k == EnvPackage {
			return "bin" // as set by the .bin header
		}
		return os.Getenv(k)
	}
	opts := Options{InstallDir: dir, JumpGroup: "user:admin", Tag: "servers", Comments: "rack 4, top", Mode: ModeService}
	if root {
		opts.User = name
	}
	in := &Installer{Env: env}
	res, err := in.Install(context.Background(), opts, self)
	if err != nil {
		t.Fatal(err)
	}
	wantStart := filepath.Join(dir, "init-script") + " start"
	if root {
		wantStart = res.RootLauncher + " start"
	}
	if res.Launcher != LauncherInitScript || res.Started || !strings.Contains(res.Next, wantStart) {
		t.Fatalf("result %+v", res)
	}
	checkInstalledFiles(t, dir, uid, name)

	script := filepath.Join(dir, "init-script")
	if code, out := shStatus(t, script, "status"); code != 3 {
		t.Fatalf("status before start = %d (%s), want 3", code, out)
	}
	if code, out := shStatus(t, script, "start"); code != 0 {
		t.Fatalf("start = %d: %s\nlog: %s", code, out, readFile(dir, "tether.log"))
	}
	t.Cleanup(func() { exec.Command("/bin/sh", script, "stop").Run() })
	pid1 := checkRunning(t, dir, uid)
	args := readFile(dir, "agent-args")
	if want := "service\nrun\n--state-dir\n" + filepath.Join(dir, "state") + "\n"; args != want {
		t.Errorf("agent args %q, want %q", args, want)
	}
	if code, out := shStatus(t, script, "start"); code != 0 || !strings.Contains(out, "already running") {
		t.Errorf("second start = %d %s", code, out)
	}
	if code, out := shStatus(t, script, "restart"); code != 0 {
		t.Fatalf("restart = %d: %s", code, out)
	}
	if pid2 := checkRunning(t, dir, uid); pid2 == pid1 {
		t.Error("restart kept the same pid")
	}
	if code, out := shStatus(t, script, "stop"); code != 0 {
		t.Fatalf("stop = %d: %s", code, out)
	}
	if code, _ := shStatus(t, script, "status"); code != 3 {
		t.Errorf("status after stop = %d, want 3", code)
	}
	// A stale pidfile is LSB status 1, and start recovers from it.
	os.WriteFile(filepath.Join(dir, "tether.pid"), []byte("999999\n"), 0o644)
	if code, _ := shStatus(t, script, "status"); code != 1 {
		t.Errorf("status with stale pidfile = %d, want 1", code)
	}
	if code, out := shStatus(t, script, "start"); code != 0 {
		t.Fatalf("start over stale pidfile = %d: %s", code, out)
	}
	checkRunning(t, dir, uid)
	// The uninstall script tells the site, stops the agent and removes
	// everything. (It runs as the user: the report goes where they may
	// write.)
	reports := worldWritableTemp(t)
	t.Setenv("TETHER_TEST_REPORT", filepath.Join(reports, "uninstall-report"))
	if code, out := shStatus(t, filepath.Join(dir, "uninstall"), ""); code != 0 {
		t.Fatalf("uninstall = %d: %s", code, out)
	}
	if got := readFile(reports, "uninstall-report"); got != "uninstall\n--report-only\n" {
		t.Errorf("uninstall script told the site with %q", got)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("install dir still there: %v", err)
	}
}

func readFile(dir, name string) string {
	b, _ := os.ReadFile(filepath.Join(dir, name))
	return string(b)
}

func checkInstalledFiles(t *testing.T, dir string, uid int, userName string) {
	t.Helper()
	for path, mode := range map[string]fs.FileMode{
		dir:                               0o755,
		filepath.Join(dir, "tether"):      0o755,
		filepath.Join(dir, "state"):       0o700,
		RecordPath(dir):                   0o600,
		filepath.Join(dir, "init-script"): 0o755,
		filepath.Join(dir, "uninstall"):   0o755,
	} {
		if got := modeOf(t, path); got != mode {
			t.Errorf("%s mode %v, want %v", path, got, mode)
		}
		if got := ownerOf(t, path); got != uid {
			t.Errorf("%s owned by %d, want %d (--user must own the directory)", path, got, uid)
		}
	}
	rec, err := ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Dir != dir || rec.User != userName || rec.Tag != "servers" || rec.Comments != "rack 4, top" ||
		rec.JumpGroup != "user:admin" || rec.Mode != ModeService || rec.ServiceName != "tether-"+InstanceID(dir) {
		b, _ := json.Marshal(rec)
		t.Errorf("install.json = %s", b)
	}
}

// checkRunning asserts status 0 and that the agent runs as uid.
func checkRunning(t *testing.T, dir string, uid int) int {
	t.Helper()
	if code, out := shStatus(t, filepath.Join(dir, "init-script"), "status"); code != 0 {
		t.Fatalf("status = %d (%s), want 0", code, out)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(readFile(dir, "tether.pid")))
	if err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" && f[1] != strconv.Itoa(uid) {
			t.Errorf("agent runs as uid %s, want %d", f[1], uid)
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for readFile(dir, "agent-uid") != strconv.Itoa(uid)+"\n" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := readFile(dir, "agent-uid"); got != strconv.Itoa(uid)+"\n" {
		t.Errorf("agent saw uid %q, want %d", got, uid)
	}
	return pid
}

// TestUninstallGo removes an init-script install with the Go API while the
// agent runs, and refuses directories that are not installations.
func TestUninstallGo(t *testing.T) {
	name, _, root := testUser(t)
	base := worldReadableTemp(t)
	dir := filepath.Join(base, "jc")
	opts := Options{InstallDir: dir, Launcher: LauncherInitScript, Mode: ModeUser}
	if root {
		opts.User = name
	}
	in := &Installer{Env: testSystemEnv(t)}
	if _, err := in.Install(context.Background(), opts, writeFakeAgent(t, base)); err != nil {
		t.Fatal(err)
	}
	if code, out := shStatus(t, filepath.Join(dir, "init-script"), "start"); code != 0 {
		t.Fatalf("start: %s", out)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(readFile(dir, "tether.pid")))
	if err := in.Uninstall(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Error("dir not removed")
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); err == nil && bytes.Contains(b, []byte(dir)) {
		t.Error("agent still running after Uninstall")
	}
	other := t.TempDir()
	if err := in.Uninstall(context.Background(), other); err == nil {
		t.Error("Uninstall accepted a directory without install.json")
	}
	if _, err := os.Stat(other); err != nil {
		t.Error("Uninstall removed an unrelated directory")
	}
}

// TestInstallRollsBack: a failing step leaves nothing behind.
func TestInstallRollsBack(t *testing.T) {
	f := newFakeEnv(runtime.GOOS, 1000)
	f.vars["HOME"] = t.TempDir()
	dir := filepath.Join(t.TempDir(), "jc")
	in := &Installer{Env: f.env()}
	_, err := in.Install(context.Background(), Options{InstallDir: dir, Mode: ModeUser, Launcher: LauncherInitScript},
		filepath.Join(t.TempDir(), "missing-binary"))
	if err == nil {
		t.Fatal("install of a missing binary succeeded")
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Error("failed install left its directory")
	}
}

// TestUserModeLaunchers writes each per-user autostart entry into a fake
// home (the files are plain files on every OS) and removes it again.
func TestUserModeLaunchers(t *testing.T) {
	cases := []struct {
		goos     string
		launcher Launcher
		file     string
		ran      string
	}{
		{"linux", LauncherSystemdUser, ".config/systemd/user/tether-%s.service", "systemctl --user start tether-%s.service"},
		{"linux", LauncherXDGAutostart, ".config/autostart/tether-%s.desktop", ""},
		{"darwin", LauncherLaunchAgent, "Library/LaunchAgents/com.tether.jumpclient.%s.plist", "launchctl load -w"},
	}
	for _, c := range cases {
		t.Run(string(c.launcher), func(t *testing.T) {
			f := newFakeEnv(c.goos, 1000)
			home := t.TempDir()
			f.users["me"].HomeDir = home
			dir := filepath.Join(t.TempDir(), "jc")
			opts := Options{InstallDir: dir, Mode: ModeUser, Launcher: c.launcher}
			if c.goos == "darwin" { // macOS takes no --install-dir (C3)
				opts.InstallDir, f.vars["HOME"] = "", home
				os.MkdirAll(filepath.Join(home, "Library", "Application Support"), 0o755) // there on every Mac
			}
			// The XDG launcher starts the agent at once; Uninstall stops it.
			self := writeFakeAgent(t, t.TempDir())
			in := &Installer{Env: f.env()}
			res, err := in.Install(context.Background(), opts, self)
			if err != nil {
				t.Fatal(err)
			}
			dir = res.Dir
			id := InstanceID(dir)
			file := filepath.Join(home, strings.ReplaceAll(c.file, "%s", id))
			if _, err := os.Stat(file); err != nil {
				t.Fatalf("autostart entry missing: %v (files %v)", err, res.Files)
			}
			if c.ran != "" && !strings.Contains(strings.Join(f.ran, "\n"), strings.ReplaceAll(c.ran, "%s", id)) {
				t.Errorf("helpers run: %q, want %q", f.ran, c.ran)
			}
			if !res.Started {
				t.Errorf("not started: %v", res.Warnings)
			}
			if err := in.Uninstall(context.Background(), dir); err != nil {
				t.Fatal(err)
			}
			for _, p := range append(res.Files, dir) {
				if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s left after Uninstall", p)
				}
			}
		})
	}
}

// TestInitScriptSuFallback hides runuser so the init-script must use
// `su -s /bin/sh USER -c …` (older distributions, busybox systems).
func TestInitScriptSuFallback(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("switching users needs root")
	}
	name, uid, _ := testUser(t)
	bin := t.TempDir()
	for _, tool := range []string{"sh", "cat", "tr", "grep", "id", "su", "setsid", "nohup", "sleep", "rm", "mv", "wc", "tail", "dirname"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("no %s", tool)
		}
		os.Symlink(p, filepath.Join(bin, tool))
	}
	base := worldReadableTemp(t)
	dir := filepath.Join(base, "it's jc")
	in := &Installer{Env: testSystemEnv(t)}
	opts := Options{InstallDir: dir, User: name, Launcher: LauncherInitScript, Mode: ModeService}
	if _, err := in.Install(context.Background(), opts, writeFakeAgent(t, base)); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "init-script")
	run := func(verb string) (int, string) {
		cmd := exec.Command("/bin/sh", script, verb)
		cmd.Env = []string{"PATH=" + bin}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		}
		return 0, string(out)
	}
	if code, out := run("start"); code != 0 {
		t.Fatalf("start via su = %d: %s\nlog: %s", code, out, readFile(dir, "tether.log"))
	}
	t.Cleanup(func() { run("stop") })
	checkRunning(t, dir, uid)
	if code, out := run("stop"); code != 0 {
		t.Fatalf("stop = %d: %s", code, out)
	}
}
