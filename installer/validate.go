package installer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

var (
	// ErrRootWithoutUser stops an install as root on Linux without --user
	// (SPEC C3): the agent's session work must not run as root.
	ErrRootWithoutUser = errors.New("Installing as root requires --user <username>: Tether will not run a jump client as root.")
	// ErrInvalid marks options that fail validation (bad dir, unknown user …).
	ErrInvalid = errors.New("invalid installer options")
	// ErrExpired means the installer's validity period is over (SPEC C2).
	ErrExpired = errors.New("This installer has expired. Ask your administrator for a new one.")
	// ErrNeedsAdmin means the chosen mode needs root / Administrator.
	ErrNeedsAdmin = errors.New("this installation needs root (Administrator) rights")
)

// Env is the part of the OS the installer asks about or acts on. Tests
// replace fields to fake being root, other users or missing tools.
type Env struct {
	GOOS        string
	Euid        func() int
	LookupUser  func(name string) (*user.User, error)
	CurrentUser func() (*user.User, error)
	Getenv      func(string) string
	Now         func() time.Time
	Chown       func(path string, uid, gid int) error
	// Run runs a helper (systemctl, launchctl) and returns its combined output.
	Run func(ctx context.Context, name string, args ...string) ([]byte, error)
	// HasSystemd reports whether systemd is the running init (so unit files
	// would actually be used).
	HasSystemd func() bool
	// LookPath finds a helper program (runuser) as exec.LookPath does;
	// nil is exec.LookPath. A test faking Linux fakes its tools too, so
	// the outcome does not depend on the host (a Windows test binary).
	LookPath func(file string) (string, error)
	// SysRoot prefixes root's own paths (/etc/init.d, /var/lib/tether);
	// empty is /. Tests point it at a temp dir.
	SysRoot string
}

// SystemEnv is the real OS.
func SystemEnv() Env {
	return Env{
		GOOS:        runtime.GOOS,
		Euid:        os.Geteuid,
		LookupUser:  user.Lookup,
		CurrentUser: user.Current,
		Getenv:      os.Getenv,
		Now:         time.Now,
		Chown:       os.Lchown,
		Run: func(ctx context.Context, name string, args ...string) ([]byte, error) {
			return exec.CommandContext(ctx, name, args...).CombinedOutput()
		},
		HasSystemd: func() bool {
			_, err := os.Stat("/run/systemd/system")
			return err == nil
		},
		LookPath: exec.LookPath,
	}
}

// plan is a validated install: everything resolved, nothing touched yet.
type plan struct {
	opts     Options
	dir      string
	id       string
	launcher Launcher
	// runAs is the account the jump client runs as. chown is set when files
	// must be handed over to it (root installing for --user).
	runAs *user.User
	uid   int
	gid   int
	chown bool
}

// Validate checks opts against the C3 rules without changing anything.
func Validate(opts Options, env Env) error {
	_, err := newPlan(opts, env)
	return err
}

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

func newPlan(opts Options, env Env) (*plan, error) {
	if opts.Mode == "" {
		opts.Mode = ModeService
	}
	if opts.Mode != ModeService && opts.Mode != ModeUser {
		return nil, invalid("mode must be service or user, not %q", opts.Mode)
	}
	if n := utf8.RuneCountInString(opts.Name); n > MaxNameLen {
		return nil, invalid("--jc-name is %d characters; at most %d are allowed", n, MaxNameLen)
	}
	if !opts.ExpiresAt.IsZero() && env.Now().After(opts.ExpiresAt) {
		return nil, ErrExpired
	}
	if sd := opts.StateDir; sd != "" && (!filepath.IsAbs(sd) || strings.IndexFunc(sd, unicode.IsControl) >= 0) {
		return nil, invalid("--state-dir %q must be an absolute path without control characters", sd)
	}
	p := &plan{opts: opts}
	if err := p.resolveUser(env); err != nil {
		return nil, err
	}
	if err := p.resolveDir(env); err != nil {
		return nil, err
	}
	p.id = InstanceID(p.dir)
	l, err := chooseLauncher(opts, env)
	if err != nil {
		return nil, err
	}
	p.launcher = l
	if l == LauncherService && env.GOOS != "windows" && env.Euid() != 0 {
		return nil, fmt.Errorf("%w: service mode registers a system service; run as root or use --mode user", ErrNeedsAdmin)
	}
	if l == LauncherService && env.GOOS == "linux" && !env.HasSystemd() {
		return nil, invalid("a Linux service runs as --user only under systemd, which is not running; use --launcher init-script")
	}
	if i := strings.IndexFunc(p.dir, unitUnsafe); l == LauncherService && env.GOOS == "linux" && i >= 0 {
		return nil, invalid("--install-dir %s contains %q, which the systemd unit of a service cannot hold; choose another directory", p.dir, p.dir[i:i+1])
	}
	return p, nil
}

// unitUnsafe marks characters kardianos/service writes into its systemd
// unit unescaped (or escaped as \x20, which WorkingDirectory= and
// ConditionFileIsExecutable= take literally): the unit would run a wrong
// path, expand % specifiers and $variables, or not parse.
func unitUnsafe(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune(`%$"'\`, r)
}

// resolveUser applies the --user rules: Linux only, the user must exist and
// must not be root; only root may install for someone else; root without
// --user is refused on Linux.
func (p *plan) resolveUser(env Env) error {
	root := env.Euid() == 0
	name := p.opts.User
	if name == "" {
		if env.GOOS == "linux" && root {
			return ErrRootWithoutUser
		}
		u, err := env.CurrentUser()
		if err != nil {
			return fmt.Errorf("look up the current user: %w", err)
		}
		p.runAs = u
		return nil
	}
	if env.GOOS != "linux" {
		return invalid("--user is only supported on Linux")
	}
	u, err := env.LookupUser(name)
	if err != nil {
		return invalid("--user %s: no such user (%v)", name, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return invalid("--user %s has a non-numeric uid/gid %s/%s", name, u.Uid, u.Gid)
	}
	if uid == 0 {
		return ErrRootWithoutUser
	}
	if !root {
		cur, err := env.CurrentUser()
		if err != nil {
			return fmt.Errorf("look up the current user: %w", err)
		}
		if cur.Uid != u.Uid {
			return fmt.Errorf("%w: only root can install for another user (--user %s)", ErrNeedsAdmin, name)
		}
	}
	p.runAs, p.uid, p.gid, p.chown = u, uid, gid, root
	return nil
}

// resolveDir applies the --install-dir rules: absolute, not existing yet,
// parent an existing writable directory. Control characters are refused
// because the path is written into shell scripts and unit files.
func (p *plan) resolveDir(env Env) error {
	dir := p.opts.InstallDir
	if dir != "" && env.GOOS == "darwin" {
		// C3: --install-dir is for Windows and Linux; macOS installs go
		// where launchd and Gatekeeper expect them.
		return invalid("--install-dir is not supported on macOS; the jump client goes to %s", DefaultInstallDir(p.opts, env, p.runAs))
	}
	if dir == "" {
		dir = DefaultInstallDir(p.opts, env, p.runAs)
	}
	if !filepath.IsAbs(dir) {
		return invalid("--install-dir %q must be an absolute path", dir)
	}
	if strings.IndexFunc(dir, unicode.IsControl) >= 0 {
		return invalid("--install-dir must not contain control characters")
	}
	dir = filepath.Clean(dir)
	if _, err := os.Lstat(dir); err == nil {
		return invalid("--install-dir %s already exists; choose a new directory", dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return invalid("--install-dir %s: %v", dir, err)
	}
	parent := filepath.Dir(dir)
	if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
		return invalid("the parent of --install-dir, %s, must be an existing directory", parent)
	}
	// A probe file is the only portable writability test (access(2) lies
	// on read-only mounts and does not exist on Windows).
	f, err := os.CreateTemp(parent, ".tether-probe-*")
	if err != nil {
		return invalid("cannot write to %s: %v", parent, err)
	}
	f.Close()
	os.Remove(f.Name())
	if p.chown {
		if err := checkReachable(parent, p.uid, p.gid); err != nil {
			return invalid("--user %s could not reach %s: %v", p.runAs.Username, dir, err)
		}
	}
	p.dir = dir
	return nil
}

// chooseLauncher picks how the jump client is started: explicit --launcher,
// else the .bin's init-script on Linux, else by mode and platform.
func chooseLauncher(opts Options, env Env) (Launcher, error) {
	supported := map[string][]Launcher{
		"linux":   {LauncherInitScript, LauncherService, LauncherSystemdUser, LauncherXDGAutostart},
		"darwin":  {LauncherService, LauncherLaunchAgent},
		"windows": {LauncherService, LauncherRunKey},
	}[env.GOOS]
	l := opts.Launcher
	if l == LauncherAuto {
		l = autoLauncher(opts.Mode, env)
	}
	for _, s := range supported {
		if s == l {
			return l, nil
		}
	}
	return "", invalid("launcher %q is not available on %s", l, env.GOOS)
}

func autoLauncher(mode Mode, env Env) Launcher {
	if env.GOOS == "linux" && env.Getenv(EnvPackage) == "bin" {
		return LauncherInitScript
	}
	if mode != ModeUser {
		// kardianos's SysV/OpenRC/upstart backends ignore UserName, so
		// without systemd a Linux "service" would run as root (against C1);
		// the init-script runs as --user and can be hooked into boot.
		if env.GOOS == "linux" && !env.HasSystemd() {
			return LauncherInitScript
		}
		return LauncherService
	}
	switch env.GOOS {
	case "linux":
		if env.HasSystemd() {
			return LauncherSystemdUser
		}
		return LauncherXDGAutostart
	case "darwin":
		return LauncherLaunchAgent
	case "windows":
		return LauncherRunKey
	}
	return LauncherService
}

// DefaultInstallDir is used when --install-dir is not given. It carries the
// installer ID so two installers do not collide; a second install from the
// same installer must name its own directory.
func DefaultInstallDir(opts Options, env Env, u *user.User) string {
	suffix := "tether"
	if opts.InstallerID != "" {
		suffix = "tether-" + opts.InstallerID
	}
	home := env.Getenv("HOME")
	if u != nil && u.HomeDir != "" {
		home = u.HomeDir
	}
	switch {
	case env.GOOS == "windows" && opts.Mode == ModeUser:
		return filepath.Join(env.Getenv("LOCALAPPDATA"), suffix)
	case env.GOOS == "windows":
		return filepath.Join(env.Getenv("ProgramFiles"), suffix)
	case env.GOOS == "darwin" && opts.Mode == ModeUser:
		return filepath.Join(home, "Library", "Application Support", suffix)
	case env.Euid() == 0:
		return filepath.Join("/opt", suffix)
	}
	return filepath.Join(home, "."+suffix)
}

// InstanceID names one installation (service, unit and autostart names) so
// that several jump clients can live on one machine. It is derived from the
// install dir, which is unique per installation.
func InstanceID(dir string) string {
	sum := sha256.Sum256([]byte(filepath.Clean(dir)))
	return hex.EncodeToString(sum[:])[:10]
}
