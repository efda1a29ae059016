package installer

import (
	"encoding/json"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/kardianos/service"
)

func TestServiceConfig(t *testing.T) {
	// A native absolute dir: the record's paths are this OS's.
	dir := filepath.FromSlash("/opt/tether-x")
	if runtime.GOOS == "windows" {
		dir = `C:\Program Files\tether-x`
	}
	rec := &Record{ID: "0123456789", Dir: dir, Binary: "tether", Launcher: LauncherService,
		User: "alice", ServiceName: "tether-0123456789"}
	c := ServiceConfig(rec)
	if c.Name != "tether-0123456789" || c.Executable != filepath.Join(dir, "tether") || c.WorkingDirectory != dir {
		t.Errorf("config %+v", c)
	}
	want := []string{"service", "run", "--state-dir", filepath.Join(dir, "state")}
	if runtime.GOOS == "windows" {
		want = append(want, WindowsServiceFlag) // the SCM hand-shake even under Wine
	}
	if !slices.Equal(c.Arguments, want) {
		t.Errorf("Arguments = %q, want %q", c.Arguments, want)
	}
	wantUser := ""
	if runtime.GOOS == "linux" {
		wantUser = "alice" // C1: installed by root, runs as --user
	}
	if c.UserName != wantUser {
		t.Errorf("UserName = %q, want %q on %s", c.UserName, wantUser, runtime.GOOS)
	}
	// Restart-on-failure options for each service manager.
	for k, v := range map[string]any{"Restart": "always", "KeepAlive": true, "RunAtLoad": true,
		"OnFailure": "restart", "OnFailureDelayDuration": "10s", "StartType": "automatic"} {
		if c.Option[k] != v {
			t.Errorf("Option[%s] = %v, want %v", k, c.Option[k], v)
		}
	}
	if _, err := service.New(noProgram{}, c); err != nil {
		t.Errorf("kardianos rejects the config: %v", err)
	}
}

// TestServicePlatform documents which manager kardianos picks here. In a
// container without a running systemd it falls back to unix-systemv
// (/etc/init.d), which this test does not touch: registering a real
// service is left to a VM / CI job with systemd.
func TestServicePlatform(t *testing.T) {
	p := ServicePlatform()
	t.Logf("kardianos/service chose %q; systemd running: %v; available: %v", p, SystemEnv().HasSystemd(), service.AvailableSystems())
	want := map[string][]string{
		"linux":   {"linux-systemd", "linux-upstart", "linux-openrc", "linux-rcs", "linux-procd", "unix-systemv"},
		"darwin":  {"darwin-launchd"},
		"windows": {"windows-service"},
	}[runtime.GOOS]
	if want != nil && !slices.Contains(want, p) {
		t.Errorf("ServicePlatform() = %q, want one of %q", p, want)
	}
	if runtime.GOOS == "linux" && SystemEnv().HasSystemd() && p != "linux-systemd" {
		t.Errorf("systemd is running but kardianos chose %s", p)
	}
}

// goldenServiceRecord is a service-mode install in the default dir (a
// Linux service dir cannot hold spaces, quotes, % or $: unitUnsafe).
var goldenServiceRecord = &Record{ID: "0123456789", Dir: "/opt/tether-0123456789", Binary: "tether",
	Launcher: LauncherService, User: "alice", ServiceName: "tether-0123456789"}

// TestServiceConfigGolden pins what we hand kardianos/service per platform
// (testdata/service-config-GOOS.golden): it renders the launchd plist and
// the Windows service from these values on those systems only, so the
// values are what can be checked here. The Linux unit itself is rendered
// by TestKardianosSystemdUnit.
func TestServiceConfigGolden(t *testing.T) {
	for _, goos := range []string{"linux", "darwin", "windows"} {
		t.Run(goos, func(t *testing.T) {
			c := serviceConfig(goldenServiceRecord, goos)
			if goos != "linux" && (len(c.Dependencies) > 0 || c.UserName != "") {
				// Windows would take them as names of services to wait for
				// (and never start) or as a service account.
				t.Errorf("%s: Dependencies %q, UserName %q; want none", goos, c.Dependencies, c.UserName)
			}
			if _, err := service.New(noProgram{}, c); err != nil {
				t.Errorf("kardianos rejects the config: %v", err)
			}
			slash := func(s string) string { return filepath.ToSlash(s) }
			for i, a := range c.Arguments {
				c.Arguments[i] = slash(a)
			}
			dump := map[string]any{
				"Name": c.Name, "DisplayName": c.DisplayName, "Description": slash(c.Description),
				"Executable": slash(c.Executable), "Arguments": c.Arguments, "WorkingDirectory": slash(c.WorkingDirectory),
				"UserName": c.UserName, "Dependencies": c.Dependencies, "Option": c.Option,
			}
			b, err := json.MarshalIndent(dump, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			compareGolden(t, "service-config-"+goos+".golden", append(b, '\n'))
		})
	}
}
