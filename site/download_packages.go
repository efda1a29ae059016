package site

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/packaging"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// Packages built per download from caches made once per build
// (docs/PACKAGES.md): the MSI is the signed template with the record in
// its signature's blob; .deb/.rpm wrap the agent with the record appended;
// the .pkg and the macOS support app carry the record as a file beside the
// universal agent.

func setDownloadHeaders(w http.ResponseWriter, contentType, name string, size int64) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if size >= 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	}
	w.Header().Set("Cache-Control", "no-store")
}

// serveMSI streams the platform's template MSI with the installer's record
// stamped into its signature's blob (embedcfg.InspectMSI).
func (s *Server) serveMSI(w http.ResponseWriter, r *http.Request, platform, name string, cfg *embedcfg.Config) error {
	path, ok := s.agents.msiPath(platform)
	var t *msiTemplate
	var err error
	if !ok {
		err = wire.Errorf(wire.Unsupported, "This site has no MSI for %s any more; ask for a new installer.", platform)
	} else {
		t, err = s.msiTemplate(path, platform)
	}
	var rec []byte
	if err == nil {
		cfg.BinarySHA256 = t.layout.AgentDigest
		rec, err = embedcfg.Record(cfg, s.siteKey)
	}
	var f *os.File
	if err == nil {
		f, err = os.Open(t.path)
	}
	if err != nil {
		s.writeErr(w, r, err)
		return err
	}
	defer f.Close()
	body, size, err := t.layout.Stamped(f, rec)
	if err != nil {
		s.writeErr(w, r, err)
		return err
	}
	setDownloadHeaders(w, "application/x-msi", name, size)
	_, err = io.Copy(w, body)
	return err
}

// serveLinuxPackage builds tether-{id}.deb or .rpm (packaging.BuildDeb,
// BuildRPM) around the agent with the record appended.
func (s *Server) serveLinuxPackage(w http.ResponseWriter, r *http.Request, pkg, path string, in *store.Installer, cfg *embedcfg.Config) error {
	agent, size, closer, err := s.signedAgent(path, cfg)
	if err != nil {
		s.writeErr(w, r, err)
		return err
	}
	defer closer.Close()
	_, arch, _ := strings.Cut(in.Platform, "-")
	opts := packaging.LinuxPkgOptions{InstallerID: in.ID, Arch: arch, Agent: agent, AgentSize: size,
		ModTime: s.clock.Now(), TempDir: s.tempDir()}
	contentType := "application/vnd.debian.binary-package"
	build := packaging.BuildDeb
	if pkg == "rpm" {
		contentType, build = "application/x-rpm", packaging.BuildRPM
	}
	setDownloadHeaders(w, contentType, "tether-"+in.ID+"."+pkg, -1)
	bw := bufio.NewWriterSize(w, 256<<10)
	if err := build(bw, opts); err != nil {
		return err
	}
	return bw.Flush()
}

// servePkg builds tether-{id}.pkg: the universal agent's payload (cached
// per build pair) and per download the scripts with the record.
func (s *Server) servePkg(w http.ResponseWriter, r *http.Request, in *store.Installer, name string, cfg *embedcfg.Config) error {
	payload, rec, err := darwinDownload(s, cfg, (*darwinBuild).pkgPayload)
	if err != nil {
		s.writeErr(w, r, err)
		return err
	}
	setDownloadHeaders(w, "application/octet-stream", name, -1)
	bw := bufio.NewWriterSize(w, 256<<10)
	err = packaging.BuildPkg(bw, packaging.PkgOptions{InstallerID: in.ID, Mode: string(in.Mode), Config: rec,
		Payload: payload, ModTime: s.clock.Now()})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// serveMacApp streams the macOS support app: a zip of "Tether Support/"
// with the app and the session's record beside it (packaging.BuildMacApp).
func (s *Server) serveMacApp(w http.ResponseWriter, r *http.Request, name string, cfg *embedcfg.Config) error {
	app, rec, err := darwinDownload(s, cfg, (*darwinBuild).appBinary)
	if err != nil {
		s.writeErr(w, r, err)
		return err
	}
	setDownloadHeaders(w, "application/zip", name, -1)
	bw := bufio.NewWriterSize(w, 256<<10)
	if err := packaging.BuildMacApp(bw, packaging.MacAppOptions{Config: rec, Binary: app, ModTime: s.clock.Now()}); err != nil {
		return err
	}
	return bw.Flush()
}

// tempDir is where nfpm's input files go while a .deb/.rpm is built: the
// data dir's tmp (on the site's own disk, not a small tmpfs).
func (s *Server) tempDir() string {
	dir := s.opts.DataDir + string(os.PathSeparator) + "tmp"
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	return dir
}

// darwinDownload prepares a macOS download: the part of the universal
// build it carries (part) and the config record signed over the digest of
// the program inside.
func darwinDownload[T any](s *Server, cfg *embedcfg.Config, part func(*darwinBuild) (T, error)) (T, []byte, error) {
	var zero T
	b, err := s.darwin()
	if err != nil {
		return zero, nil, err
	}
	v, err := part(b)
	if err != nil {
		return zero, nil, err
	}
	cfg.BinarySHA256 = b.digest
	rec, err := embedcfg.Record(cfg, s.siteKey)
	if err != nil {
		return zero, nil, err
	}
	return v, rec, nil
}
