//go:build linux

package installer

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kardianos/service"
)

// TestServiceModeOnThisMachine: where systemd is not running (a container
// whose PID 1 is not systemd, even with /usr/bin/systemctl present),
// kardianos must not pick systemd, an explicit service install must fail
// with a wrapped, explained error and leave nothing behind, the default
// service mode must fall back to the init-script, and controlling a
// service must report kardianos' failure instead of panicking.
func TestServiceModeOnThisMachine(t *testing.T) {
	env := SystemEnv()
	env.SysRoot = t.TempDir()
	if env.HasSystemd() {
		t.Skip("systemd runs here; registering a real system service is left to a VM/CI job with systemd")
	}
	platform := ServicePlatform()
	t.Logf("no systemd; kardianos/service chose %q", platform)
	if platform == "linux-systemd" {
		t.Errorf("kardianos chose systemd although it is not running")
	}
	name, _, root := testUser(t)
	dir := filepath.Join(worldReadableTemp(t), "svc")
	opts := Options{InstallDir: dir, Mode: ModeService, User: name}
	if !root {
		opts.User = ""
	}
	in := &Installer{Env: env}
	t.Run("explicit service launcher is refused", func(t *testing.T) {
		o := opts
		o.Launcher = LauncherService
		_, err := in.Install(t.Context(), o, writeFakeAgent(t, t.TempDir()))
		want, text := ErrNeedsAdmin, "run as root"
		if root {
			want, text = ErrInvalid, "systemd, which is not running"
		}
		if !errors.Is(err, want) || !strings.Contains(err.Error(), text) {
			t.Errorf("Install = %v, want %v mentioning %q", err, want, text)
		}
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Error("refused install left its directory")
		}
	})
	t.Run("auto falls back to the init-script", func(t *testing.T) {
		p, err := newPlan(opts, env)
		if root && (err != nil || p.launcher != LauncherInitScript) {
			t.Errorf("plan %+v, %v; want the init-script launcher", p, err)
		}
	})
	t.Run("control reports the manager's failure", func(t *testing.T) {
		rec := writeTestRecord(t, LauncherService, name)
		var stdout, stderr bytes.Buffer
		code := in.RunControl(t.Context(), rec.Dir, "status", &stdout, &stderr)
		msg := stderr.String()
		t.Logf("status: exit %d: %s", code, msg)
		if code != StateUnknown.ExitCode() || !strings.Contains(msg, rec.ServiceName) || !strings.Contains(msg, platform) {
			t.Errorf("status of an unregistered service: exit %d, %q; want 4 naming %s and %s", code, msg, rec.ServiceName, platform)
		}
	})
}

// TestKardianosSystemdUnit renders the systemd unit of a service-mode jump
// client with kardianos' own template: its user-service variant writes the
// same template into $HOME/.config/systemd/user, so HOME is a temp dir and
// nothing system-wide is touched. Its `systemctl --user enable` afterwards
// fails without a user manager (or cannot find the unit in the fake home);
// only the file matters.
func TestKardianosSystemdUnit(t *testing.T) {
	var sys service.System
	for _, s := range service.AvailableSystems() {
		if s.String() == "linux-systemd" {
			sys = s
		}
	}
	if sys == nil {
		t.Fatal("kardianos/service has no linux-systemd backend")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	c := serviceConfig(goldenServiceRecord, "linux")
	c.Option["UserService"] = true
	s, err := sys.New(noProgram{}, c)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Install()
	t.Logf("kardianos Install (enable is expected to fail here): %v", err)
	b, rerr := os.ReadFile(filepath.Join(home, ".config", "systemd", "user", c.Name+".service"))
	if rerr != nil {
		t.Fatalf("kardianos wrote no unit: %v (install: %v)", rerr, err)
	}
	compareGolden(t, "service-systemd.unit.golden", b)
	ini, err := parseINI(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for sec, kv := range map[string]map[string]string{
		"Unit": {"Wants": "network-online.target", "After": "network-online.target",
			"ConditionFileIsExecutable": goldenServiceRecord.BinaryPath()},
		"Service": {"Restart": "always", "User": "alice", "WorkingDirectory": goldenServiceRecord.Dir},
		"Install": {"WantedBy": "multi-user.target"},
	} {
		for k, v := range kv {
			if got := ini[sec][k]; got != v {
				t.Errorf("[%s] %s=%s, want %s", sec, k, got, v)
			}
		}
	}
	want := goldenServiceRecord.BinaryPath() + ` "service" "run" "--state-dir" "` + goldenServiceRecord.StateDir() + `"`
	if got := ini["Service"]["ExecStart"]; got != want {
		t.Errorf("ExecStart = %s, want %s", got, want)
	}
}
