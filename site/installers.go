package site

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/packaging"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

type createInstallerRequest struct {
	Platform  string `json:"platform"`
	JumpGroup string `json:"jump_group"`
	Tag       string `json:"tag"`
	Comments  string `json:"comments"`
	Mode      string `json:"mode"`
	ValidFor  string `json:"valid_for"`
	Passive   bool   `json:"passive"` // clients only check in (C9)
	// Package is what the download serves (SPEC G): bin, deb or rpm for
	// Linux, msi or exe for Windows, pkg for macOS; default the first.
	Package string `json:"package"`
	// EmailTo lists recipients of the download link (the key is shown
	// only now, so e-mail goes out at creation).
	EmailTo []string `json:"email_to"`
}

const (
	defaultInstallerValidity = 7 * 24 * time.Hour
	maxInstallerValidity     = 365 * 24 * time.Hour
)

func (req *createInstallerRequest) validate(user string, platforms []string, checkPackage func(string, *string) error) (time.Duration, error) {
	bad := func(format string, args ...any) (time.Duration, error) {
		return 0, wire.Errorf(wire.BadRequest, format, args...)
	}
	if req.Platform == "" {
		req.Platform = "linux-amd64"
	}
	if !slices.Contains(platforms, req.Platform) {
		return bad("No agent build for platform %q on this site. Available: %s.", req.Platform, strings.Join(platforms, ", "))
	}
	if err := checkPackage(req.Platform, &req.Package); err != nil {
		return 0, err
	}
	switch req.Mode {
	case "":
		req.Mode = string(wire.ModeService)
	case string(wire.ModeService), string(wire.ModeUser):
	default:
		return bad("mode must be service or user.")
	}
	if req.JumpGroup == "" {
		req.JumpGroup = personalGroup(user)
	}
	patch := patchJumpClient{Tag: &req.Tag, Comments: &req.Comments}
	if err := patch.validate(); err != nil {
		return 0, err
	}
	if len(req.EmailTo) > 50 {
		return bad("email_to lists at most 50 recipients.")
	}
	for _, to := range req.EmailTo {
		if _, err := mail.ParseAddress(to); err != nil || strings.ContainsAny(to, "\r\n") {
			return bad("email_to: %q is not an e-mail address.", to)
		}
	}
	if req.ValidFor == "" {
		return defaultInstallerValidity, nil
	}
	d, err := time.ParseDuration(req.ValidFor)
	if err != nil || d <= 0 || d > maxInstallerValidity {
		return bad("valid_for must be a duration between 1s and %s.", maxInstallerValidity)
	}
	return d, nil
}

// handleCreateInstaller creates a jump-client installer (C2, SPEC F). Its key
// (KEY_INFO) is returned once; the download URL carries it.
func (s *Server) handleCreateInstaller(w http.ResponseWriter, r *http.Request, a *authed) {
	var req createInstallerRequest
	if err := readJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	valid, err := req.validate(a.user.Name, s.agents.platforms(), s.checkPackage)
	if err == nil {
		err = checkGroup(a, req.JumpGroup)
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	now := s.clock.Now()
	key := randomToken(24)
	in := &store.Installer{ID: newID()[:16], KeyHash: hashSecret(key), Platform: req.Platform,
		JumpGroup: req.JumpGroup, Tag: req.Tag, Comments: req.Comments, Mode: wire.AgentMode(req.Mode),
		CreatedBy: a.user.ID, CreatedAt: now, ExpiresAt: now.Add(valid), Passive: req.Passive, Package: req.Package}
	// A signed Windows download has a fixed room for the config: refuse
	// now what no download of this installer could carry.
	if err := s.checkFits(in.Platform, in.Package, s.installerConfig(in, key)); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if err := s.store.CreateInstaller(r.Context(), in); err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.audit(r.Context(), "installer_created", "", a.user.Name, remoteAddr(r),
		fmt.Sprintf("installer %s %s %s %s group %q tag %q", in.ID, in.Platform, in.Package, in.Mode, in.JumpGroup, in.Tag))
	url := s.public.String() + "/download/installer/" + in.ID + "/" + key
	writeJSON(w, http.StatusCreated, map[string]any{
		"id": in.ID, "key_info": key, "download_url": url, "file_name": installerFileName(in),
		"expires_at": in.ExpiresAt, "platform": in.Platform, "mode": in.Mode, "package": in.Package,
		"email_errors": s.emailInstaller(r.Context(), in, url, req.EmailTo, a.user.Name),
	})
}

// installerPackage is what an installer's download serves.
func installerPackage(in *store.Installer) string {
	if in.Package == "" {
		return legacyPackage(in.Platform)
	}
	return in.Package
}

// installerFileName is the download's file name: tether-{id}.{package}.
func installerFileName(in *store.Installer) string {
	return "tether-" + in.ID + "." + installerPackage(in)
}

// handleInstallerDownload serves an installer as tether-{id}.{package}
// (SPEC G), assembled on the fly from the agent build (or the template
// MSI) and the signed installer config; `?format=raw` serves the plain
// agent with its config (Linux and Windows). No login: the key in the URL
// is the capability.
func (s *Server) handleInstallerDownload(w http.ResponseWriter, r *http.Request) {
	if !s.limits.installers.Allow(remoteAddr(r)) {
		s.rec.RateLimited("installers")
		s.downloadError(w, r, wire.Errorf(wire.TooManyRequests, "Too many requests. Try again later."))
		return
	}
	in, err := s.store.Installer(r.Context(), r.PathValue("id"))
	key := r.PathValue("key")
	if err != nil || subtle.ConstantTimeCompare(hashSecret(key), in.KeyHash) != 1 {
		s.downloadError(w, r, wire.Err(wire.InstallerInvalid))
		return
	}
	if !s.clock.Now().Before(in.ExpiresAt) {
		s.downloadError(w, r, wire.Err(wire.InstallerExpired))
		return
	}
	path, ok := s.agents.path(in.Platform)
	if !ok {
		s.downloadError(w, r, wire.Err(wire.Unsupported))
		return
	}
	cfg := s.installerConfig(in, key)
	name := installerFileName(in)
	switch pkg := installerPackage(in); {
	case r.URL.Query().Get("format") == "raw" && pkg != "pkg":
		err = s.serveAgentBinary(w, r, path, "tether-"+in.ID+exeSuffix(in.Platform), cfg)
	case pkg == "bin":
		err = s.serveBin(w, r, path, name, cfg)
	case pkg == "deb" || pkg == "rpm":
		err = s.serveLinuxPackage(w, r, pkg, path, in, cfg)
	case pkg == "exe":
		err = s.serveAgentBinary(w, r, path, name, cfg)
	case pkg == "msi":
		err = s.serveMSI(w, r, in.Platform, name, cfg)
	case pkg == "pkg":
		err = s.servePkg(w, r, in, name, cfg)
	default:
		err = wire.Errorf(wire.InvalidPackage, "Unknown package %q.", pkg)
		s.writeErr(w, r, err)
	}
	if err != nil {
		s.log.Warn("installer download", "installer", in.ID, "err", err)
		return
	}
	s.audit(r.Context(), "installer_downloaded", "", "", remoteAddr(r), "installer "+in.ID)
}

// installerConfig is what an installer's downloads carry (signed). The
// issue time is whole seconds in UTC, so a record has the same length at
// every download as when checkFits measured it.
func (s *Server) installerConfig(in *store.Installer, key string) *embedcfg.Config {
	return &embedcfg.Config{Kind: embedcfg.KindInstaller, SiteURL: s.public.String(), SiteName: s.public.Hostname(),
		CertPin: s.pin, Platform: in.Platform, IssuedAt: s.clock.Now().UTC().Truncate(time.Second), InstallerID: in.ID,
		KeyInfo: key, JumpGroup: in.JumpGroup, Tag: in.Tag, Comments: in.Comments, Mode: string(in.Mode),
		ExpiresAt: in.ExpiresAt.UTC()}
}

// serveBin streams tether-{id}.bin: the POSIX-sh header and the tar.gz of
// the signed agent, built while sending.
func (s *Server) serveBin(w http.ResponseWriter, r *http.Request, path, name string, cfg *embedcfg.Config) error {
	agent, size, closer, err := s.signedAgent(path, cfg)
	if err != nil {
		s.writeErr(w, r, err)
		return err
	}
	defer closer.Close()
	w.Header().Set("Content-Type", "application/x-sh")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := packaging.BuildBin(w, packaging.BinOptions{Name: name, Agent: agent, AgentSize: size, ModTime: s.clock.Now()}); err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	return nil
}
