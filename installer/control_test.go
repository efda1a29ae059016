package installer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kardianos/service"

	"github.com/tetherhq/tether/internal/testdir"
)

// fakeService is a kardianos service whose manager is a field.
type fakeService struct {
	st    service.Status
	err   error // from Status
	calls []string
}

func (f *fakeService) Run() error                                        { return nil }
func (f *fakeService) Start() error                                      { f.calls = append(f.calls, "Start"); return nil }
func (f *fakeService) Stop() error                                       { f.calls = append(f.calls, "Stop"); return nil }
func (f *fakeService) Restart() error                                    { f.calls = append(f.calls, "Restart"); return nil }
func (f *fakeService) Install() error                                    { return nil }
func (f *fakeService) Uninstall() error                                  { return nil }
func (f *fakeService) Logger(chan<- error) (service.Logger, error)       { return nil, nil }
func (f *fakeService) SystemLogger(chan<- error) (service.Logger, error) { return nil, nil }
func (f *fakeService) String() string                                    { return "fake" }
func (f *fakeService) Platform() string                                  { return "fake-manager" }
func (f *fakeService) Status() (service.Status, error)                   { return f.st, f.err }

// writeTestRecord writes the install.json of a jump client with a fixed
// instance ID into a temp dir, without installing anything.
func writeTestRecord(t *testing.T, l Launcher, user string) *Record {
	t.Helper()
	dir := testdir.New(t)
	rec := &Record{Version: RecordVersion, ID: "0123456789", Dir: dir, Binary: "tether", Mode: ModeUser,
		Launcher: l, User: user, ServiceName: "tether-0123456789"}
	if l == LauncherLaunchAgent {
		rec.Files = []string{"/Users/me/Library/LaunchAgents/com.tether.jumpclient.0123456789.plist"}
	}
	b, _ := json.Marshal(rec)
	os.MkdirAll(filepath.Dir(RecordPath(dir)), 0o700)
	if err := os.WriteFile(RecordPath(dir), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return rec
}

// replies answers helper commands by the first matching substring;
// anything else succeeds with no output.
func replies(m map[string]reply) func(string) ([]byte, error) {
	return func(cmdline string) ([]byte, error) {
		for k, r := range m {
			if strings.Contains(cmdline, k) {
				if r.code != 0 {
					return []byte(r.out), exitErr(r.code)
				}
				return []byte(r.out), nil
			}
		}
		return nil, nil
	}
}

type reply struct {
	out  string
	code int
}

var (
	managerDown  = map[string]reply{"show-environment": {"Failed to connect to bus", 1}}
	unitUp       = map[string]reply{"is-active": {"active\n", 0}}
	unitInactive = map[string]reply{"is-active": {"inactive\n", 3}}
	agentLoaded  = map[string]reply{" list ": {"{\n\t\"Label\" = \"com.tether.jumpclient.0123456789\";\n\t\"PID\" = 4242;\n};\n", 0}}
	agentIdle    = map[string]reply{" list ": {"{\n\t\"Label\" = \"com.tether.jumpclient.0123456789\";\n};\n", 0}}
	agentGone    = map[string]reply{" list ": {"Could not find service", 113}}
	scriptUp     = map[string]reply{"init-script": {"Tether jump client is running (pid 77).\n", 0}}
	scriptStale  = map[string]reply{"init-script": {"Tether jump client is not running, but DIR/tether.pid exists.\n", 1}}
	scriptFails  = map[string]reply{"init-script": {"Run this as root or as jcuser.\n", 4}}
)

// TestControlGolden pins, per launcher, what `tether service …` prints,
// its exit status and the helper commands it runs (testdata/control.golden).
// Launchers that need a real process are tested on this machine in
// control_linux_test.go.
func TestControlGolden(t *testing.T) {
	cases := []struct {
		name     string
		launcher Launcher
		action   Action
		euid     int
		replies  map[string]reply
		svc      *fakeService
	}{
		{"service running", LauncherService, ActionStatus, 0, nil, &fakeService{st: service.StatusRunning}},
		{"service stopped", LauncherService, ActionStatus, 0, nil, &fakeService{st: service.StatusStopped}},
		{"service not installed", LauncherService, ActionStatus, 0, nil, &fakeService{err: service.ErrNotInstalled}},
		{"service start stopped", LauncherService, ActionStart, 0, nil, &fakeService{st: service.StatusStopped}},
		{"service start running", LauncherService, ActionStart, 0, nil, &fakeService{st: service.StatusRunning}},
		{"service stop running", LauncherService, ActionStop, 0, nil, &fakeService{st: service.StatusRunning}},
		{"service stop stopped", LauncherService, ActionStop, 0, nil, &fakeService{st: service.StatusStopped}},
		{"service restart running", LauncherService, ActionRestart, 0, nil, &fakeService{st: service.StatusRunning}},
		{"service restart stopped", LauncherService, ActionRestart, 0, nil, &fakeService{st: service.StatusStopped}},
		{"service start not installed", LauncherService, ActionStart, 0, nil, &fakeService{err: service.ErrNotInstalled}},
		{"systemd-user status active", LauncherSystemdUser, ActionStatus, 1000, unitUp, nil},
		{"systemd-user status inactive", LauncherSystemdUser, ActionStatus, 1000, unitInactive, nil},
		{"systemd-user start", LauncherSystemdUser, ActionStart, 1000, unitInactive, nil},
		{"systemd-user start as root", LauncherSystemdUser, ActionStart, 0, unitInactive, nil},
		{"systemd-user stop", LauncherSystemdUser, ActionStop, 1000, unitUp, nil},
		{"systemd-user restart", LauncherSystemdUser, ActionRestart, 1000, unitUp, nil},
		{"systemd-user status, no manager", LauncherSystemdUser, ActionStatus, 1000, managerDown, nil},
		{"launch-agent status running", LauncherLaunchAgent, ActionStatus, 501, agentLoaded, nil},
		{"launch-agent status loaded idle", LauncherLaunchAgent, ActionStatus, 501, agentIdle, nil},
		{"launch-agent start unloaded", LauncherLaunchAgent, ActionStart, 501, agentGone, nil},
		{"launch-agent start loaded idle", LauncherLaunchAgent, ActionStart, 501, agentIdle, nil},
		{"launch-agent start as root", LauncherLaunchAgent, ActionStart, 0, agentGone, nil},
		{"launch-agent stop", LauncherLaunchAgent, ActionStop, 501, agentLoaded, nil},
		{"launch-agent restart", LauncherLaunchAgent, ActionRestart, 501, agentLoaded, nil},
		{"init-script status", LauncherInitScript, ActionStatus, 1000, scriptUp, nil},
		{"init-script status stale", LauncherInitScript, ActionStatus, 1000, scriptStale, nil},
		{"init-script start refused", LauncherInitScript, ActionStart, 0, scriptFails, nil},
		{"xdg-autostart status, no pidfile", LauncherXDGAutostart, ActionStatus, 1000, nil, nil},
		{"run-key stop, no pidfile", LauncherRunKey, ActionStop, 1000, nil, nil},
	}
	var got bytes.Buffer
	for _, c := range cases {
		f := newFakeEnv("linux", c.euid)
		f.users["jcuser"] = f.users["alice"]
		f.respond = replies(c.replies)
		rec := writeTestRecord(t, c.launcher, "jcuser")
		in := &Installer{Env: f.env()}
		if c.svc != nil {
			in.service = func(*Record) (service.Service, error) { return c.svc, nil }
		}
		var stdout, stderr bytes.Buffer
		code := in.RunControl(t.Context(), rec.Dir, string(c.action), &stdout, &stderr)
		fmt.Fprintf(&got, "== %s: tether service %s\nexit %d\n%s", c.name, c.action, code, stdout.String())
		if stderr.Len() > 0 {
			fmt.Fprintf(&got, "stderr: %s", stderr.String())
		}
		for _, r := range f.ran {
			fmt.Fprintf(&got, "ran: %s\n", r)
		}
		if c.svc != nil && len(c.svc.calls) > 0 {
			fmt.Fprintf(&got, "kardianos: %s\n", strings.Join(c.svc.calls, ", "))
		}
		got.WriteString("\n")
		// The paths as on the OS the fake env plays (a Windows host
		// joins them with \).
		out := strings.ReplaceAll(got.String(), rec.Dir+string(filepath.Separator), "DIR/")
		out = strings.ReplaceAll(out, rec.Dir, "DIR")
		got.Reset()
		got.WriteString(out)
	}
	compareGolden(t, "control.golden", got.Bytes())
}

// TestRunControlErrors: exit statuses when there is nothing to control.
func TestRunControlErrors(t *testing.T) {
	empty := testdir.New(t)
	cases := []struct {
		action string
		want   int
		msg    string
	}{
		{"status", 4, "no Tether jump client is installed in " + empty},
		{"start", 5, "no Tether jump client is installed"},
		{"stop", 5, "no Tether jump client is installed"},
		{"reload", ExitUsage, `unknown action "reload"`},
	}
	for _, c := range cases {
		t.Run(c.action, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			in := &Installer{Env: newFakeEnv("linux", 1000).env()}
			if got := in.RunControl(t.Context(), empty, c.action, &stdout, &stderr); got != c.want {
				t.Errorf("exit %d, want %d (%s)", got, c.want, stderr.String())
			}
			if !strings.Contains(stderr.String(), c.msg) || stdout.Len() != 0 {
				t.Errorf("stdout %q stderr %q, want %q on stderr", stdout.String(), stderr.String(), c.msg)
			}
		})
	}
	// A kardianos failure stays inspectable through the wrapping.
	rec := writeTestRecord(t, LauncherService, "")
	in := &Installer{Env: newFakeEnv("linux", 0).env(),
		service: func(*Record) (service.Service, error) { return &fakeService{err: service.ErrNotInstalled}, nil }}
	if _, err := in.Control(t.Context(), rec.Dir, ActionStop); !errors.Is(err, service.ErrNotInstalled) {
		t.Errorf("stop of a missing service: %v, want service.ErrNotInstalled", err)
	}
}
