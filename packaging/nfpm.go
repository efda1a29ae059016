package packaging

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"text/template"
	"time"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the "deb" packager
	"github.com/goreleaser/nfpm/v2/files"
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers the "rpm" packager
)

// .deb and .rpm for Linux jump clients, built with nfpm v2.47.0 as a
// library (v2.48 needs an rpm module the proxy refuses). The package holds
// the agent, with the installer's signed config appended, at
// /usr/lib/tether/<installer>/tether, root-owned; its postinst runs
// `tether install --install-dir /opt/tether-<installer> --mode service
// --user U` from there (the install dir must not exist beforehand, so the
// packaged binary cannot simply live in it), and prerm runs `tether
// uninstall --install-dir …` with the same root-owned binary. U is
// TETHER_USER at install time, else LinuxPkgOptions.User.

// LinuxPkgOptions configures BuildDeb and BuildRPM.
type LinuxPkgOptions struct {
	// InstallerID names the installer; package name, paths and install
	// dir derive from it. Lower-case letters, digits, '-'.
	InstallerID string
	// Arch is the Go architecture of the agent: amd64, arm64, 386, arm.
	Arch string
	// Agent is the Linux agent with the signed installer config appended
	// (embedcfg), exactly AgentSize bytes.
	Agent     io.Reader
	AgentSize int64

	// User is the account the jump client runs as unless TETHER_USER is
	// set when the package is installed; default "tether", a locked
	// system account that postinst creates when missing.
	User string
	// Name of the package; default "tether-jump-client-<InstallerID>".
	Name       string
	Version    string // default "1.0.0"
	Maintainer string // default "Tether <support@tether.invalid>"
	// Compression is nfpm's setting for the payload; default "gzip:1":
	// the site builds one package per download, and level 1 is several
	// times faster than rpm's default of 9 for a few percent more bytes.
	Compression string
	ModTime     time.Time
	// TempDir holds nfpm's input files while building (nfpm reads files
	// from disk); default os.TempDir().
	TempDir string
}

// ErrLinuxPkgOptions is returned for unusable LinuxPkgOptions.
var ErrLinuxPkgOptions = errors.New("invalid .deb/.rpm options")

var (
	//go:embed linux_postinstall.sh.tmpl
	linuxPostinstallText string
	//go:embed linux_preremove.sh.tmpl
	linuxPreremoveText string

	linuxTemplates = template.Must(template.New("").Funcs(template.FuncMap{"shq": shellQuote}).
			New("postinstall").Parse(linuxPostinstallText))
	_ = template.Must(linuxTemplates.New("preremove").Parse(linuxPreremoveText))

	unixUserPattern = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	// Debian's rule for package names, which rpm also accepts.
	packageNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
)

// linuxPkgData is what the script templates see.
type linuxPkgData struct {
	LinuxPkgOptions
	Format            string // "deb" or "rpm"
	Staged, Dir, Home string
}

// BuildDeb writes a .deb to w.
func BuildDeb(w io.Writer, opts LinuxPkgOptions) error { return buildLinuxPkg(w, "deb", opts) }

// BuildRPM writes an .rpm to w.
func BuildRPM(w io.Writer, opts LinuxPkgOptions) error { return buildLinuxPkg(w, "rpm", opts) }

func buildLinuxPkg(w io.Writer, format string, opts LinuxPkgOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	d := &linuxPkgData{LinuxPkgOptions: opts, Format: format,
		Staged: "/usr/lib/tether/" + opts.InstallerID + "/tether", Dir: "/opt/tether-" + opts.InstallerID,
		Home: "/var/lib/" + opts.User}
	if opts.User == "tether" {
		d.Home = "/var/lib/tether-home" // /var/lib/tether is root's (installer records)
	}
	tmp, err := os.MkdirTemp(opts.TempDir, "tether-"+format+"-")
	if err != nil {
		return fmt.Errorf("build .%s: %w", format, err)
	}
	defer os.RemoveAll(tmp)
	agent := filepath.Join(tmp, "tether")
	if err := writeExact(agent, opts.Agent, opts.AgentSize); err != nil {
		return fmt.Errorf("build .%s: %w", format, err)
	}
	scripts := map[string]string{}
	for _, name := range []string{"postinstall", "preremove"} {
		var b bytes.Buffer
		if err := linuxTemplates.ExecuteTemplate(&b, name, d); err != nil {
			return fmt.Errorf("render %s: %w", name, err)
		}
		scripts[name] = filepath.Join(tmp, name)
		if err := os.WriteFile(scripts[name], b.Bytes(), 0o755); err != nil {
			return fmt.Errorf("build .%s: %w", format, err)
		}
	}
	mt := opts.ModTime
	info := &nfpm.Info{
		Name: opts.Name, Arch: opts.Arch, Platform: "linux", Version: opts.Version, Release: "1",
		Section: "admin", Priority: "optional", Maintainer: opts.Maintainer, Vendor: "Tether",
		Description: "Tether remote support jump client (installer " + opts.InstallerID + ")\n" +
			"Installs a Tether jump client as a system service in " + d.Dir + ",\n" +
			"running as TETHER_USER (default " + opts.User + "), never as root.",
		MTime: mt,
		Overridables: nfpm.Overridables{
			Contents: files.Contents{{
				Source: agent, Destination: d.Staged,
				FileInfo: &files.ContentFileInfo{Owner: "root", Group: "root", Mode: 0o755, MTime: mt},
			}},
			Scripts: nfpm.Scripts{PostInstall: scripts["postinstall"], PreRemove: scripts["preremove"]},
			Deb:     nfpm.Deb{Compression: opts.Compression},
			RPM:     nfpm.RPM{Compression: opts.Compression, Group: "Applications/System"},
		},
	}
	info = nfpm.WithDefaults(info)
	if err := info.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrLinuxPkgOptions, err)
	}
	packager, err := nfpm.Get(format)
	if err != nil {
		return fmt.Errorf("build .%s: %w", format, err)
	}
	if err := packager.Package(info, w); err != nil {
		return fmt.Errorf("build .%s: %w", format, err)
	}
	return nil
}

// writeExact copies exactly size bytes of r to a new executable file.
func writeExact(path string, r io.Reader, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, &exactReader{r: r, left: size})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (o *LinuxPkgOptions) check() error {
	if !installerIDPattern.MatchString(o.InstallerID) {
		return fmt.Errorf("%w: installer id %q", ErrLinuxPkgOptions, o.InstallerID)
	}
	switch o.Arch {
	case "amd64", "arm64", "386", "arm", "arm7":
	default:
		return fmt.Errorf("%w: arch %q", ErrLinuxPkgOptions, o.Arch)
	}
	if o.Agent == nil || o.AgentSize <= 0 {
		return fmt.Errorf("%w: no agent binary", ErrLinuxPkgOptions)
	}
	if o.User == "" {
		o.User = "tether"
	}
	if !unixUserPattern.MatchString(o.User) || o.User == "root" {
		return fmt.Errorf("%w: user %q", ErrLinuxPkgOptions, o.User)
	}
	if o.Name == "" {
		o.Name = "tether-jump-client-" + o.InstallerID
	}
	if !packageNamePattern.MatchString(o.Name) {
		return fmt.Errorf("%w: package name %q", ErrLinuxPkgOptions, o.Name)
	}
	if o.Version == "" {
		o.Version = "1.0.0"
	}
	if o.Maintainer == "" {
		o.Maintainer = "Tether <support@tether.invalid>"
	}
	if o.Compression == "" {
		o.Compression = "gzip:1"
	}
	if o.ModTime.IsZero() {
		o.ModTime = time.Now()
	}
	return nil
}
