package installer

import (
	"context"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/testdir"
)

// fakeEnv pretends to be an OS: euid, a user table, environment and a
// recorder for helper commands. Files are still real (in temp dirs).
type fakeEnv struct {
	goos  string
	euid  int
	users map[string]*user.User
	cur   string
	vars  map[string]string
	ran   []string
	// respond, when set, answers a helper command ("name arg …") instead
	// of the default empty success.
	respond func(cmdline string) ([]byte, error)
}

// exitErr is a helper's non-zero exit status, as *exec.ExitError reports it.
type exitErr int

func (e exitErr) Error() string { return "exit status " + strconv.Itoa(int(e)) }
func (e exitErr) ExitCode() int { return int(e) }

func (f *fakeEnv) env() Env {
	return Env{
		GOOS: f.goos,
		Euid: func() int { return f.euid },
		LookupUser: func(n string) (*user.User, error) {
			if u, ok := f.users[n]; ok {
				return u, nil
			}
			return nil, user.UnknownUserError(n)
		},
		CurrentUser: func() (*user.User, error) { return f.users[f.cur], nil },
		Getenv:      func(k string) string { return f.vars[k] },
		Now:         func() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC) },
		Chown:       func(string, int, int) error { return nil },
		Run: func(_ context.Context, name string, args ...string) ([]byte, error) {
			cmdline := name + " " + strings.Join(args, " ")
			f.ran = append(f.ran, cmdline)
			if f.respond != nil {
				return f.respond(cmdline)
			}
			return nil, nil
		},
		HasSystemd: func() bool { return f.vars["systemd"] == "yes" },
		// A fake OS with the tools of a current Linux (util-linux runuser).
		LookPath: func(file string) (string, error) { return "/usr/sbin/" + file, nil },
	}
}

func newFakeEnv(goos string, euid int) *fakeEnv {
	home := os.TempDir()
	return &fakeEnv{
		goos: goos,
		euid: euid,
		cur:  "me",
		users: map[string]*user.User{
			"root":  {Uid: "0", Gid: "0", Username: "root", HomeDir: "/root"},
			"me":    {Uid: "1000", Gid: "1000", Username: "me", HomeDir: home},
			"alice": {Uid: "1001", Gid: "1001", Username: "alice", HomeDir: home},
		},
		vars: map[string]string{"HOME": home},
	}
}

func TestValidate(t *testing.T) {
	locked := testdir.New(t)
	os.Chmod(locked, 0o700) // --user alice cannot search it
	base := testdir.New(t)
	for p := base; p != os.TempDir() && p != "/"; p = filepath.Dir(p) {
		os.Chmod(p, 0o755)
	}
	existing := filepath.Join(base, "exists")
	os.Mkdir(existing, 0o755)
	fresh := filepath.Join(base, "jc")
	past := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		goos string
		euid int
		opts Options
		want error // nil: valid
		msg  string
	}{
		{"user install", "linux", 1000, Options{InstallDir: fresh}, nil, ""},
		{"root without --user", "linux", 0, Options{InstallDir: fresh}, ErrRootWithoutUser, "requires --user"},
		{"root with --user", "linux", 0, Options{InstallDir: fresh, User: "alice"}, nil, ""},
		{"--user root", "linux", 0, Options{InstallDir: fresh, User: "root"}, ErrRootWithoutUser, ""},
		{"dir unreachable for --user", "linux", 0, Options{InstallDir: filepath.Join(locked, "jc"), User: "alice"}, ErrInvalid, "could not reach"},
		{"unknown user", "linux", 0, Options{InstallDir: fresh, User: "bob"}, ErrInvalid, "no such user"},
		{"other user without root", "linux", 1000, Options{InstallDir: fresh, User: "alice"}, ErrNeedsAdmin, "only root"},
		{"own name as --user", "linux", 1000, Options{InstallDir: fresh, User: "me"}, nil, ""},
		{"--user off Linux", "darwin", 0, Options{InstallDir: fresh, User: "alice"}, ErrInvalid, "only supported on Linux"},
		{"root on macOS", "darwin", 0, Options{}, nil, ""},
		{"--install-dir on macOS", "darwin", 0, Options{InstallDir: fresh}, ErrInvalid, "not supported on macOS"},
		{"relative dir", "linux", 1000, Options{InstallDir: "jc"}, ErrInvalid, "absolute"},
		{"existing dir", "linux", 1000, Options{InstallDir: existing}, ErrInvalid, "already exists"},
		{"missing parent", "linux", 1000, Options{InstallDir: filepath.Join(base, "no", "jc")}, ErrInvalid, "parent"},
		{"unwritable parent", "linux", 1000, Options{InstallDir: "/proc/tether-jc"}, ErrInvalid, "cannot write"},
		{"newline in dir", "linux", 1000, Options{InstallDir: fresh + "\nx"}, ErrInvalid, "control"},
		{"bad mode", "linux", 1000, Options{InstallDir: fresh, Mode: "daemon"}, ErrInvalid, "mode"},
		{"long name", "linux", 1000, Options{InstallDir: fresh, Name: strings.Repeat("é", 129)}, ErrInvalid, "128"},
		{"128 chars ok", "linux", 1000, Options{InstallDir: fresh, Name: strings.Repeat("é", 128), Mode: ModeUser}, nil, ""},
		{"expired", "linux", 1000, Options{InstallDir: fresh, ExpiresAt: past}, ErrExpired, ""},
		{"service as non-root", "linux", 1000, Options{InstallDir: fresh, Mode: ModeService, Launcher: LauncherService}, ErrNeedsAdmin, "root"},
		{"service without systemd", "linux", 0, Options{InstallDir: fresh, User: "alice", Launcher: LauncherService}, ErrInvalid, "systemd"},
		{"service dir with a space", "linux", 0, Options{InstallDir: filepath.Join(base, "jump client"), User: "alice", Launcher: LauncherService, Mode: ModeService}, ErrInvalid, `contains " "`},
		{"service dir with %", "linux", 0, Options{InstallDir: filepath.Join(base, "100%"), User: "alice", Launcher: LauncherService, Mode: ModeService}, ErrInvalid, `contains "%"`},
		{"user-mode dir with a space", "linux", 1000, Options{InstallDir: filepath.Join(base, "jump client"), Mode: ModeUser}, nil, ""},
		{"launcher elsewhere", "linux", 1000, Options{InstallDir: fresh, Launcher: LauncherRunKey}, ErrInvalid, "not available"},
		{"Windows service dir with a space", "windows", 0, Options{InstallDir: filepath.Join(base, "jump client"), Mode: ModeService}, nil, ""},
		{"--user on Windows", "windows", 0, Options{InstallDir: fresh, User: "alice"}, ErrInvalid, "only supported on Linux"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if why := unixHostOnly[c.name]; why != "" && runtime.GOOS == "windows" {
				t.Skip("a Linux or macOS case that needs that OS's file system: " + why)
			}
			f := newFakeEnv(c.goos, c.euid)
			if strings.HasPrefix(c.name, "service dir") {
				f.vars["systemd"] = "yes" // get past the no-systemd refusal
			}
			if c.opts.Mode == "" && c.euid != 0 && c.want != ErrNeedsAdmin {
				c.opts.Mode = ModeUser
			}
			err := Validate(c.opts, f.env())
			if c.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("message %q does not mention %q", err, c.msg)
			}
		})
	}
}

// unixHostOnly are TestValidate's cases that, besides the fake OS, need
// the host's file system to be that OS's (they meet real directories): on a
// Windows host they would check Windows paths and permissions instead.
var unixHostOnly = map[string]string{
	"dir unreachable for --user": "mode 0700 does not keep another account out on Windows",
	"unwritable parent":          "/proc exists only on Linux",
	"service dir with a space":   "a Windows temp path holds a backslash, refused before the space",
	"service dir with %":         "a Windows temp path holds a backslash, refused before the %",
	"root on macOS":              "the default dir /opt/… is not absolute on Windows",
}

func TestChooseLauncher(t *testing.T) {
	cases := []struct {
		goos    string
		mode    Mode
		vars    map[string]string
		want    Launcher
		comment string
	}{
		{"linux", ModeService, map[string]string{EnvPackage: "bin"}, LauncherInitScript, ".bin is headless"},
		{"linux", ModeUser, map[string]string{EnvPackage: "bin"}, LauncherInitScript, ".bin is headless"},
		{"linux", ModeService, map[string]string{"systemd": "yes"}, LauncherService, ""},
		{"linux", ModeService, nil, LauncherInitScript, "SysV would run it as root"},
		{"linux", ModeUser, map[string]string{"systemd": "yes"}, LauncherSystemdUser, ""},
		{"linux", ModeUser, nil, LauncherXDGAutostart, "no systemd"},
		{"darwin", ModeUser, nil, LauncherLaunchAgent, ""},
		{"darwin", ModeService, map[string]string{EnvPackage: "bin"}, LauncherService, "bin only means headless on Linux"},
		{"windows", ModeUser, nil, LauncherRunKey, ""},
		{"windows", ModeService, nil, LauncherService, ""},
	}
	for _, c := range cases {
		f := newFakeEnv(c.goos, 0)
		for k, v := range c.vars {
			f.vars[k] = v
		}
		got, err := chooseLauncher(Options{Mode: c.mode}, f.env())
		if err != nil || got != c.want {
			t.Errorf("%s/%s %v: got %q %v, want %q (%s)", c.goos, c.mode, c.vars, got, err, c.want, c.comment)
		}
	}
}

func TestDefaultInstallDir(t *testing.T) {
	alice := newFakeEnv("linux", 0).users["alice"]
	for _, tc := range []struct {
		goos string
		euid int
		opts Options
		u    *user.User
		want string
	}{
		{"linux", 0, Options{InstallerID: "abc"}, nil, "/opt/tether-abc"},
		{"linux", 1000, Options{}, alice, filepath.Join(alice.HomeDir, ".tether")},
		{"windows", 0, Options{InstallerID: "abc"}, nil, `C:\Program Files\tether-abc`},
		{"windows", 0, Options{InstallerID: "abc", Mode: ModeUser}, alice, `C:\Users\alice\AppData\Local\tether-abc`},
	} {
		// Paths are joined with the host's separator: each OS's defaults
		// are checked on that OS.
		if (tc.goos == "windows") != (runtime.GOOS == "windows") {
			continue
		}
		f := newFakeEnv(tc.goos, tc.euid)
		f.vars["ProgramFiles"] = `C:\Program Files`
		f.vars["LOCALAPPDATA"] = `C:\Users\alice\AppData\Local`
		if got := DefaultInstallDir(tc.opts, f.env(), tc.u); got != tc.want {
			t.Errorf("%s euid %d %+v: %s, want %s", tc.goos, tc.euid, tc.opts, got, tc.want)
		}
	}
	if InstanceID("/a/b/") != InstanceID("/a/b") || InstanceID("/a/b") == InstanceID("/a/c") || len(InstanceID("/x")) != 10 {
		t.Error("InstanceID must be stable per clean dir and differ between dirs")
	}
}
