package installer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tetherhq/tether/embedcfg"
)

// Mode is how a jump client runs (SPEC C1).
type Mode string

const (
	// ModeService runs the jump client as a system service, available
	// with nobody logged in.
	ModeService Mode = "service"
	// ModeUser runs it only while the installing (or --user) user is
	// logged in.
	ModeUser Mode = "user"
)

// Launcher is the OS mechanism that starts an installed jump client.
// The empty Launcher means "choose from Mode and the platform".
type Launcher string

const (
	LauncherAuto         Launcher = ""
	LauncherInitScript   Launcher = "init-script"   // Linux headless (.bin): DIR/init-script, nothing registered
	LauncherService      Launcher = "service"       // kardianos/service: systemd, SysV, launchd daemon, Windows service
	LauncherSystemdUser  Launcher = "systemd-user"  // Linux user mode with a systemd user manager
	LauncherXDGAutostart Launcher = "xdg-autostart" // Linux user mode without one: ~/.config/autostart
	LauncherLaunchAgent  Launcher = "launch-agent"  // macOS user mode: ~/Library/LaunchAgents
	LauncherRunKey       Launcher = "run-key"       // Windows user mode: HKCU\…\Run
)

// EnvPackage names the environment variable a package wrapper sets to say
// how the agent was delivered. The self-extracting .bin sets it to "bin",
// which selects LauncherInitScript on Linux (SPEC C5) without touching the
// user's arguments, which the .bin must forward verbatim.
const EnvPackage = "TETHER_PACKAGE"

// MaxNameLen is the longest jump-client name the console accepts (SPEC C2).
const MaxNameLen = 128

// Options are the installer settings: the C3 flags plus what the embedded
// config (or, for the MSI, the KEY_INFO property) provides.
type Options struct {
	InstallDir string   // --install-dir; empty: DefaultInstallDir
	JumpGroup  string   // --jc-jump-group: "user:<name>" or a team group
	Tag        string   // --jc-tag
	Comments   string   // --jc-comments (one argument; quote it)
	Name       string   // --jc-name (≤ MaxNameLen)
	Mode       Mode     // --mode; empty: from config, else service
	User       string   // --user (Linux): run in that user's context
	Silent     bool     // --silent: no UI, failures go to the OS log
	Launcher   Launcher // --launcher; normally empty (auto)
	KeyInfo    string   // --key-info / KEY_INFO; or from the config
	StateDir   string   // --state-dir: the agent's identity and state (default DIR/state)

	// From the embedded config (ApplyConfig); no flags.
	SiteURL     string
	InstallerID string
	ExpiresAt   time.Time // the installer's validity (first start must precede it)

	// Record, when set, is a signed config record (embedcfg) to stamp
	// into the installed copy of the agent: the MSI's custom action runs
	// the plain agent it staged and hands it the installer's record from
	// the MSI. It must name that agent's digest (Config.BinarySHA256).
	Record []byte
}

// ErrUsage marks flag syntax errors; ExitCode maps it to ExitUsage.
var ErrUsage = errors.New("usage")

// ErrHelp is returned by ParseFlags for --help / -h.
var ErrHelp = errors.New("help requested")

// Usage is the flag summary printed for --help and usage errors.
const Usage = `Usage: tether install [flags]
  --install-dir DIR        new directory to install into (must not exist)
  --jc-jump-group GROUP    user:<username> or a team jump group
  --jc-tag TAG             tag shown in the jump list
  --jc-comments TEXT…      comments: the words up to the next --flag
  --jc-name NAME           jump client name (at most 128 characters)
  --mode service|user      system service or per-user autostart
  --user USERNAME          Linux: run as this user (required when root)
  --state-dir DIR          the agent's identity and state (default DIR/state)
  --silent                 no UI; failures go to the OS log and exit status
`

// flagSpec is one installer flag. The table drives ParseFlags and both MSI
// conversions, so a new flag cannot be added to one and forgotten in the
// others.
type flagSpec struct {
	name   string // without dashes
	isBool bool
	// rest: the value is every following word up to the next --flag
	// (C3: --jc-comments <text…>).
	rest bool
	set  func(o *Options, v string) error
	get  func(o *Options) (string, bool)
}

func restFlag(f flagSpec) flagSpec {
	f.rest = true
	return f
}

func strFlag(name string, p func(o *Options) *string) flagSpec {
	return flagSpec{
		name: name,
		set:  func(o *Options, v string) error { *p(o) = v; return nil },
		get:  func(o *Options) (string, bool) { return *p(o), *p(o) != "" },
	}
}

var flagSpecs = []flagSpec{
	strFlag("install-dir", func(o *Options) *string { return &o.InstallDir }),
	strFlag("jc-jump-group", func(o *Options) *string { return &o.JumpGroup }),
	strFlag("jc-tag", func(o *Options) *string { return &o.Tag }),
	restFlag(strFlag("jc-comments", func(o *Options) *string { return &o.Comments })),
	strFlag("jc-name", func(o *Options) *string { return &o.Name }),
	strFlag("user", func(o *Options) *string { return &o.User }),
	strFlag("key-info", func(o *Options) *string { return &o.KeyInfo }),
	strFlag("state-dir", func(o *Options) *string { return &o.StateDir }),
	{
		name: "mode",
		set: func(o *Options, v string) error {
			m := Mode(v)
			if m != "" && m != ModeService && m != ModeUser {
				return fmt.Errorf("--mode must be service or user, not %q", v)
			}
			o.Mode = m
			return nil
		},
		get: func(o *Options) (string, bool) { return string(o.Mode), o.Mode != "" },
	},
	{
		name: "launcher",
		set:  func(o *Options, v string) error { o.Launcher = Launcher(v); return nil },
		get:  func(o *Options) (string, bool) { return string(o.Launcher), o.Launcher != "" },
	},
	{
		name:   "silent",
		isBool: true,
		set: func(o *Options, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("--silent takes no value (or true/false), not %q", v)
			}
			o.Silent = b
			return nil
		},
		get: func(o *Options) (string, bool) { return "true", o.Silent },
	},
}

func lookupFlag(name string) (flagSpec, bool) {
	for _, f := range flagSpecs {
		if f.name == name {
			return f, true
		}
	}
	return flagSpec{}, false
}

// ParseFlags parses the exe/.bin installer flags (SPEC C3): `--flag value`
// or `--flag=value`; --silent takes no value; --jc-comments takes all the
// words up to the next --flag (`--jc-comments web server, rack 4`). Any
// other value is exactly one argument, and a stray word is an error rather
// than silently dropped. A later flag overrides an earlier one, so wrappers
// can append overrides.
func ParseFlags(args []string) (Options, error) {
	var o Options
	err := scanFlags(args, func(f flagSpec, val string) error { return f.set(&o, val) })
	return o, err
}

// scanFlags walks args as ParseFlags describes and hands each flag with its
// value to use; FlagsToMSI walks them the same way, so both accept exactly
// the same command lines.
func scanFlags(args []string, use func(f flagSpec, val string) error) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-h" || a == "--help" || a == "-help" {
			return ErrHelp
		}
		if !strings.HasPrefix(a, "--") || a == "--" {
			return fmt.Errorf("%w: unexpected argument %q (quote values that contain spaces)", ErrUsage, a)
		}
		name, val, hasVal := strings.Cut(a[2:], "=")
		f, ok := lookupFlag(name)
		if !ok {
			return fmt.Errorf("%w: unknown flag --%s", ErrUsage, name)
		}
		switch {
		case hasVal:
		case f.isBool:
			val = "true"
		case f.rest && i+1 < len(args) && !strings.HasPrefix(args[i+1], "--"):
			var words []string
			for i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
				i++
				words = append(words, args[i])
			}
			val = strings.Join(words, " ")
		case i+1 < len(args):
			i++
			val = args[i]
		default:
			return fmt.Errorf("%w: flag --%s needs a value", ErrUsage, name)
		}
		if err := use(f, val); err != nil {
			return fmt.Errorf("%w: %w", ErrUsage, err)
		}
	}
	return nil
}

// Args renders o back into canonical `--flag=value` arguments (only the
// flag-backed fields). It is the inverse of ParseFlags.
func (o Options) Args() []string {
	var out []string
	for _, f := range flagSpecs {
		v, set := f.get(&o)
		switch {
		case !set:
		case f.isBool:
			out = append(out, "--"+f.name)
		default:
			out = append(out, "--"+f.name+"="+v)
		}
	}
	return out
}

// ApplyConfig fills what the flags left empty from the config the site
// embedded in the download. Flags win, because the admin running the
// installer knows the machine better than the console default.
func (o *Options) ApplyConfig(c *embedcfg.Config) {
	if c == nil {
		return
	}
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&o.JumpGroup, c.JumpGroup)
	fill(&o.Tag, c.Tag)
	fill(&o.Comments, c.Comments)
	fill(&o.KeyInfo, c.KeyInfo)
	fill(&o.SiteURL, c.SiteURL)
	fill(&o.InstallerID, c.InstallerID)
	if o.Mode == "" {
		o.Mode = Mode(c.Mode)
	}
	if o.ExpiresAt.IsZero() {
		o.ExpiresAt = c.ExpiresAt
	}
}
