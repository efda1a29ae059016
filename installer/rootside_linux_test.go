package installer

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// rootInstall installs an init-script jump client as root for a new user
// and returns the installer, the install dir and the user's uid.
func rootInstall(t *testing.T) (*Installer, string, int, *Record) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("root installing for a --user: needs root (CI runs as root)")
	}
	name, uid, _ := testUser(t)
	base := worldReadableTemp(t)
	dir := filepath.Join(base, "jc")
	in := &Installer{Env: testSystemEnv(t)}
	res, err := in.Install(context.Background(), Options{InstallDir: dir, User: name, Launcher: LauncherInitScript, Mode: ModeService},
		writeFakeAgent(t, base))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exec.Command("/bin/sh", res.RootLauncher, "stop").Run() })
	return in, dir, uid, &res.Record
}

// TestRootNeverRunsTheUsersFiles: the user owns the install dir (C3) and
// can rewrite its scripts; root's launcher, which boot scripts call, runs
// them only as that user, and so does the user's init-script when root
// calls it by hand.
func TestRootNeverRunsTheUsersFiles(t *testing.T) {
	_, dir, uid, rec := rootInstall(t)
	if !strings.HasSuffix(rec.RootLauncher, filepath.Join("etc", "init.d", "tether-"+InstanceID(dir))) {
		t.Fatalf("root launcher %q", rec.RootLauncher)
	}
	if owner := ownerOf(t, rec.RootLauncher); owner != 0 || modeOf(t, rec.RootLauncher)&0o022 != 0 {
		t.Fatalf("root's launcher owned by %d mode %v: root must be the only writer", owner, modeOf(t, rec.RootLauncher))
	}
	// The user edits their init-script to see who runs it.
	marker := filepath.Join(worldWritableTemp(t), "who")
	script := filepath.Join(dir, "init-script")
	b, _ := os.ReadFile(script)
	edited := strings.Replace(string(b), "\ncase ${1:-} in", "\nid -u >>"+shellQuote(marker)+"\ncase ${1:-} in", 1)
	if edited == string(b) {
		t.Fatal("could not edit the init-script")
	}
	os.WriteFile(script, []byte(edited), 0o755)
	for _, argv := range [][]string{{rec.RootLauncher, "status"}, {script, "status"}, {rec.RootLauncher, "start"}, {rec.RootLauncher, "stop"}} {
		exec.Command("/bin/sh", argv...).Run()
	}
	got, _ := os.ReadFile(marker)
	lines := strings.Fields(string(got))
	if len(lines) < 4 {
		t.Fatalf("the edited script ran %d times, want at least 4: %q", len(lines), got)
	}
	for _, l := range lines {
		if l != strconv.Itoa(uid) {
			t.Fatalf("the user's script ran as uid %s (want only %d): root ran a file the user controls", l, uid)
		}
	}
}

// TestRootUninstallTrustsOnlyItsRecord: the user can list any file in
// install.json; root's uninstall goes by root's own copy of the record.
func TestRootUninstallTrustsOnlyItsRecord(t *testing.T) {
	in, dir, _, rec := rootInstall(t)
	sentinel := filepath.Join(t.TempDir(), "precious")
	os.WriteFile(sentinel, []byte("root's"), 0o600)
	r, err := ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	r.Files = append(r.Files, sentinel)
	b, _ := json.Marshal(r)
	os.WriteFile(RecordPath(dir), b, 0o600)
	if err := in.Uninstall(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sentinel); err != nil {
		t.Fatalf("root's uninstall removed a file the user listed: %v", err)
	}
	for _, p := range []string{dir, rec.RootLauncher, rec.RootRecord} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left after uninstall", p)
		}
	}
}

// TestRootUninstallViaLauncher: root removes an init-script install with
// its launcher's uninstall verb, which runs the user's uninstall script as
// the user, then removes the emptied dir and root's own files.
func TestRootUninstallViaLauncher(t *testing.T) {
	_, dir, _, rec := rootInstall(t)
	t.Setenv("TETHER_TEST_REPORT", filepath.Join(worldWritableTemp(t), "report"))
	if out, err := exec.Command("/bin/sh", filepath.Join(dir, "uninstall")).CombinedOutput(); err != nil {
		t.Fatalf("uninstall as root: %v\n%s", err, out)
	}
	for _, p := range []string{dir, rec.RootLauncher, rec.RootRecord} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left after uninstall", p)
		}
	}
}

// TestRootWritesIntoHomeSafely: a user whose ~/.config/autostart is a
// symlink to a directory of root's cannot make root's user-mode install
// write there.
func TestRootWritesIntoHomeSafely(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	home := worldReadableTemp(t)
	name, uid, _ := testUserHome(t, home)
	os.Chown(home, uid, uid)
	rootDir := t.TempDir() // root's, e.g. /etc/xdg/autostart
	os.MkdirAll(filepath.Join(home, ".config"), 0o755)
	os.Chown(filepath.Join(home, ".config"), uid, uid)
	if err := os.Symlink(rootDir, filepath.Join(home, ".config", "autostart")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(worldReadableTemp(t), "jc")
	in := &Installer{Env: testSystemEnv(t)}
	_, err := in.Install(context.Background(), Options{InstallDir: dir, User: name, Launcher: LauncherXDGAutostart, Mode: ModeUser},
		writeFakeAgent(t, t.TempDir()))
	if err == nil {
		t.Fatal("install followed the user's symlink out of their home")
	}
	if entries, _ := os.ReadDir(rootDir); len(entries) != 0 {
		t.Fatalf("root wrote %v into the symlink's target", entries)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Error("failed install left its dir")
	}
}
