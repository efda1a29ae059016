package installer

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// oneShotEnv is a user with a home of their own, in a desktop session
// (desktop) or not, with a systemd user manager (manager) or not.
func oneShotEnv(t *testing.T, desktop, manager bool) (home string) {
	home = t.TempDir()
	rt := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_RUNTIME_DIR", rt)
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("DISPLAY", "")
	if desktop {
		t.Setenv("DISPLAY", ":7")
	}
	if manager {
		os.MkdirAll(filepath.Join(rt, "systemd"), 0o700)
		os.WriteFile(filepath.Join(rt, "systemd", "private"), nil, 0o600) // stands for the socket
	}
	return home
}

var oneShotArgv = []string{"/home/a b/Downloads/tether-support-1", "support", "--rejoin", "--state-dir", "/home/a b/.local/state/tether 100%"}

func TestOneShotXDGAutostart(t *testing.T) {
	home := oneShotEnv(t, true, true) // a desktop wins over the user manager
	name, err := OneShotName("0a1b2c")
	if err != nil {
		t.Fatal(err)
	}
	o, err := RegisterOneShot(name, oneShotArgv)
	if err != nil {
		t.Fatal(err)
	}
	entry := filepath.Join(home, ".config", "autostart", "tether-rejoin-0a1b2c.desktop")
	if o.Kind != OneShotXDG || !slices.Equal(o.Files, []string{entry}) {
		t.Fatalf("entry %+v", o)
	}
	b, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	ini, err := parseINI(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DesktopExecArgs(ini["Desktop Entry"]["Exec"]); err != nil || !slices.Equal(got, oneShotArgv) {
		t.Fatalf("Exec reads back as %q (%v)", got, err)
	}
	// Not a jump client: A9 host_installed must not see it. (Installed
	// also reads the machine's own registrations, where another package's
	// test running as root may have a jump client installed right now.)
	for _, r := range Installed(home) {
		if strings.HasPrefix(r.Path, home) {
			t.Fatalf("Installed lists the rejoin entry: %+v", r)
		}
	}
	if err := o.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(entry); !os.IsNotExist(err) {
		t.Fatalf("entry left: %v", err)
	}
	if err := o.Remove(); err != nil {
		t.Fatalf("second remove: %v", err)
	}
}

// A link planted where the entry goes is replaced, never written through;
// an autostart dir that leads out of the config dir is refused.
func TestOneShotNoSymlinkSurprises(t *testing.T) {
	home := oneShotEnv(t, true, false)
	outside := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(outside, []byte("keep"), 0o644)
	auto := filepath.Join(home, ".config", "autostart")
	os.MkdirAll(auto, 0o755)
	os.Symlink(outside, filepath.Join(auto, "tether-rejoin-ff.desktop"))
	o, err := RegisterOneShot("tether-rejoin-ff", oneShotArgv)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "keep" {
		t.Fatalf("wrote through the link: %q", b)
	}
	if fi, err := os.Lstat(o.Files[0]); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("entry is not a regular file: %v %v", fi, err)
	}

	os.RemoveAll(auto)
	elsewhere := t.TempDir()
	os.Symlink(elsewhere, auto)
	if _, err := RegisterOneShot("tether-rejoin-ee", oneShotArgv); err == nil {
		t.Fatal("wrote through an autostart dir that links out of the config dir")
	}
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Fatalf("files outside: %v", ents)
	}
}

func TestOneShotSystemdUser(t *testing.T) {
	home := oneShotEnv(t, false, true)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "cfg"))
	o, err := RegisterOneShot("tether-rejoin-abc", oneShotArgv)
	if err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(home, "cfg", "systemd", "user", "tether-rejoin-abc.service")
	link := filepath.Join(home, "cfg", "systemd", "user", "default.target.wants", "tether-rejoin-abc.service")
	if o.Kind != OneShotSystemd || !slices.Equal(o.Files, []string{link, unit}) {
		t.Fatalf("entry %+v", o)
	}
	if target, err := os.Readlink(link); err != nil || target != "../tether-rejoin-abc.service" {
		t.Fatalf("link -> %q (%v)", target, err)
	}
	b, _ := os.ReadFile(unit)
	ini, err := parseINI(bytes.NewReader(b))
	if err != nil || ini["Service"]["ExecStart"] != systemdExec(oneShotArgv) || ini["Install"]["WantedBy"] != "default.target" {
		t.Fatalf("unit %v (%v)", ini, err)
	}
	// Registering again (a second reboot) replaces both.
	if _, err := RegisterOneShot("tether-rejoin-abc", oneShotArgv); err != nil {
		t.Fatal(err)
	}
	if err := o.Remove(); err != nil {
		t.Fatal(err)
	}
	for _, f := range o.Files {
		if _, err := os.Lstat(f); !os.IsNotExist(err) {
			t.Fatalf("%s left: %v", f, err)
		}
	}
}

func TestOneShotRefusals(t *testing.T) {
	oneShotEnv(t, true, false)
	for _, id := range []string{"", "../x", "ABC", "a b"} {
		if _, err := OneShotName(id); err == nil {
			t.Errorf("OneShotName(%q) accepted", id)
		}
	}
	for _, argv := range [][]string{nil, {"relative/tether"}, {"/x", "line\nbreak"}} {
		if _, err := RegisterOneShot("tether-rejoin-1", argv); err == nil {
			t.Errorf("RegisterOneShot(%q) accepted", argv)
		}
	}
}
