package packaging

import (
	"bytes"
	"crypto/sha1"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"regexp"
	"text/template"
	"time"

	gzip "github.com/klauspost/compress/gzip"

	"github.com/tetherhq/tether/internal/macapp"
	"github.com/tetherhq/tether/packaging/internal/bom"
	"github.com/tetherhq/tether/packaging/internal/cpio"
	"github.com/tetherhq/tether/packaging/internal/xar"
)

// A flat macOS package (.pkg) for jump clients, written without Apple's
// tools: a xar archive holding a Distribution (what Installer.app shows)
// and one component package with PackageInfo, Bom, Payload and Scripts.
//
//	Payload   cpio (odc) + gzip: ./tether (universal agent), ./uninstall,
//	          laid down in /Library/Application Support/Tether/<installer>
//	          (PackageInfo's install-location, so Payload and Bom are the
//	          same for every installer and download)
//	Scripts   cpio + gzip: preinstall, postinstall and the signed
//	          per-installer config (.tether-config)
//
// postinstall runs `tether install` from that folder: service mode as root
// (a launchd daemon), user mode as the logged-in user in their launchd
// session (a LaunchAgent), and leaves the folder's uninstall script for
// admins. The expensive part, gzip of the ~30 MB agent, is in
// NewPkgPayload, which the site runs once per agent build; BuildPkg per
// download only adds the scripts and the XML.

// PkgOptions configures BuildPkg.
type PkgOptions struct {
	// InstallerID names the installer: the folder, the receipt and the
	// default install dir derive from it. Lower-case letters, digits, '-'.
	InstallerID string
	// Mode is "service" (default) or "user".
	Mode string
	// Config is the signed embedcfg record of the installer; required.
	Config []byte

	// Payload is the prebuilt payload (NewPkgPayload), shared by all
	// downloads of one agent build. Without it, Agent is packed now.
	Payload   *PkgPayload
	Agent     io.Reader // universal agent binary (BuildUniversal)
	AgentSize int64

	Identifier string // receipt id; default "com.tetherhq.jumpclient.<InstallerID>"
	Title      string // Installer.app's window title; default "Tether Jump Client"
	Version    string // package version; default "1.0"
	MinimumOS  string // default "10.15"
	ModTime    time.Time
}

// PkgPayload is the part of a .pkg that depends only on the agent build.
type PkgPayload struct {
	payload []byte // gzip(cpio)
	sum     []byte // SHA-1 of payload, for the xar TOC
	bom     []byte
	files   int   // payload entries
	kbytes  int64 // installed size
	modTime time.Time
}

// ErrPkgOptions is returned for unusable PkgOptions.
var ErrPkgOptions = errors.New("invalid .pkg options")

const (
	pkgComponent = "tether.pkg"
	pkgLocation  = "/Library/Application Support/Tether/"
)

var (
	//go:embed pkg_distribution.xml.tmpl
	pkgDistributionText string
	//go:embed pkg_packageinfo.xml.tmpl
	pkgPackageInfoText string
	//go:embed pkg_preinstall.sh.tmpl
	pkgPreinstallText string
	//go:embed pkg_postinstall.sh.tmpl
	pkgPostinstallText string
	//go:embed pkg_uninstall.sh
	pkgUninstallScript []byte

	pkgTemplates = template.Must(template.New("").Funcs(template.FuncMap{"xml": xmlText, "shq": shellQuote}).
			New("Distribution").Parse(pkgDistributionText))
	_ = template.Must(pkgTemplates.New("PackageInfo").Parse(pkgPackageInfoText))
	_ = template.Must(pkgTemplates.New("preinstall").Parse(pkgPreinstallText))
	_ = template.Must(pkgTemplates.New("postinstall").Parse(pkgPostinstallText))

	installerIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
)

// NewPkgPayload packs the agent (a universal binary of exactly size
// bytes) and the uninstall script into a payload and its Bom.
func NewPkgPayload(agent io.Reader, size int64, modTime time.Time) (*PkgPayload, error) {
	if agent == nil || size <= 0 || size > 1<<32-1 {
		return nil, fmt.Errorf("%w: agent of %d bytes", ErrPkgOptions, size)
	}
	if modTime.IsZero() {
		modTime = time.Now()
	}
	mtime := modTime.Unix()
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	cw := cpio.NewWriter(gz)
	var agentSum bom.CksumWriter
	type file struct {
		name string
		mode uint32
		size int64
		r    io.Reader
	}
	files := []file{
		{".", cpio.TypeDir | 0o755, 0, nil},
		{"./tether", cpio.TypeRegular | 0o755, size, io.TeeReader(&exactReader{r: agent, left: size}, &agentSum)},
		{"./uninstall", cpio.TypeRegular | 0o755, int64(len(pkgUninstallScript)), bytes.NewReader(pkgUninstallScript)},
	}
	for _, f := range files {
		// root:wheel, as pkgbuild's "recommended" ownership.
		if err := cw.WriteHeader(&cpio.Header{Name: f.name, Mode: f.mode, MTime: mtime, Size: f.size}); err != nil {
			return nil, err
		}
		if f.r != nil {
			if n, err := io.Copy(cw, f.r); err != nil {
				return nil, fmt.Errorf("pack %s into the payload (%d of %d bytes): %w", f.name, n, f.size, err)
			}
		}
	}
	if err := cw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("compress payload: %w", err)
	}
	b, err := bom.Build([]bom.Entry{
		{Path: ".", Dir: true, Mode: 0o755, MTime: uint32(mtime)},
		{Path: "./tether", Mode: 0o755, MTime: uint32(mtime), Size: uint32(size), Checksum: agentSum.Sum32()},
		{Path: "./uninstall", Mode: 0o755, MTime: uint32(mtime), Size: uint32(len(pkgUninstallScript)),
			Checksum: bom.Cksum(pkgUninstallScript)},
	})
	if err != nil {
		return nil, err
	}
	sum := sha1.Sum(buf.Bytes())
	return &PkgPayload{payload: buf.Bytes(), sum: sum[:], bom: b, files: len(files),
		kbytes: (size + int64(len(pkgUninstallScript)) + 1023) / 1024, modTime: modTime}, nil
}

// Size is the compressed payload's size in bytes.
func (p *PkgPayload) Size() int64 { return int64(len(p.payload)) }

// pkgData is what the templates see.
type pkgData struct {
	PkgOptions
	Location, Component, ConfigName string
	Files                           int
	KBytes                          int64
}

// BuildPkg streams a flat package to w.
func BuildPkg(w io.Writer, opts PkgOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	p := opts.Payload
	if p == nil {
		var err error
		if p, err = NewPkgPayload(opts.Agent, opts.AgentSize, opts.ModTime); err != nil {
			return err
		}
	}
	d := &pkgData{PkgOptions: opts, Location: pkgLocation + opts.InstallerID, Component: pkgComponent,
		ConfigName: macapp.ConfigFileName, Files: p.files, KBytes: p.kbytes}
	rendered := map[string][]byte{}
	for _, name := range []string{"Distribution", "PackageInfo", "preinstall", "postinstall"} {
		var b bytes.Buffer
		if err := pkgTemplates.ExecuteTemplate(&b, name, d); err != nil {
			return fmt.Errorf("render %s: %w", name, err)
		}
		rendered[name] = b.Bytes()
	}
	scripts, err := pkgScripts(rendered, opts.Config, opts.ModTime)
	if err != nil {
		return err
	}
	mt := opts.ModTime
	entries := []xar.Entry{
		{Name: "Distribution", Mode: 0o644, ModTime: mt, Data: rendered["Distribution"], Compress: true},
		{Name: pkgComponent, Dir: true, Mode: 0o755, ModTime: mt},
		{Name: pkgComponent + "/PackageInfo", Mode: 0o644, ModTime: mt, Data: rendered["PackageInfo"], Compress: true},
		{Name: pkgComponent + "/Bom", Mode: 0o644, ModTime: p.modTime, Data: p.bom, Compress: true},
		{Name: pkgComponent + "/Payload", Mode: 0o644, ModTime: p.modTime,
			Stream: bytes.NewReader(p.payload), Size: p.Size(), SHA1: p.sum},
		{Name: pkgComponent + "/Scripts", Mode: 0o644, ModTime: mt, Data: scripts},
	}
	if err := xar.Write(w, entries, mt); err != nil {
		return fmt.Errorf("write .pkg: %w", err)
	}
	return nil
}

// pkgScripts is the gzip'd cpio of the install scripts and the config.
func pkgScripts(rendered map[string][]byte, config []byte, mt time.Time) ([]byte, error) {
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	cw := cpio.NewWriter(gz)
	for _, f := range []struct {
		name string
		mode uint32
		data []byte
	}{
		{".", cpio.TypeDir | 0o755, nil},
		{"./preinstall", cpio.TypeRegular | 0o755, rendered["preinstall"]},
		{"./postinstall", cpio.TypeRegular | 0o755, rendered["postinstall"]},
		{"./" + macapp.ConfigFileName, cpio.TypeRegular | 0o600, config},
	} {
		if err := cw.WriteHeader(&cpio.Header{Name: f.name, Mode: f.mode, MTime: mt.Unix(), Size: int64(len(f.data))}); err != nil {
			return nil, err
		}
		if _, err := cw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := cw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("compress scripts: %w", err)
	}
	return buf.Bytes(), nil
}

func (o *PkgOptions) check() error {
	if !installerIDPattern.MatchString(o.InstallerID) {
		return fmt.Errorf("%w: installer id %q", ErrPkgOptions, o.InstallerID)
	}
	switch o.Mode {
	case "":
		o.Mode = "service"
	case "service", "user":
	default:
		return fmt.Errorf("%w: mode %q (service or user)", ErrPkgOptions, o.Mode)
	}
	if len(o.Config) == 0 {
		return fmt.Errorf("%w: no config", ErrPkgOptions)
	}
	if o.Payload == nil && (o.Agent == nil || o.AgentSize <= 0) {
		return fmt.Errorf("%w: neither a payload nor an agent", ErrPkgOptions)
	}
	if o.Identifier == "" {
		o.Identifier = "com.tetherhq.jumpclient." + o.InstallerID
	}
	if !bundleIDPattern.MatchString(o.Identifier) {
		return fmt.Errorf("%w: identifier %q", ErrPkgOptions, o.Identifier)
	}
	if o.Title == "" {
		o.Title = "Tether Jump Client"
	}
	if o.Version == "" {
		o.Version = "1.0"
	}
	if o.MinimumOS == "" {
		o.MinimumOS = "10.15"
	}
	if o.ModTime.IsZero() {
		o.ModTime = time.Now()
	}
	return nil
}
