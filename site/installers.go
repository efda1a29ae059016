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
	// EmailTo lists recipients of the download link (the key is shown
	// only now, so e-mail goes out at creation).
	EmailTo []string `json:"email_to"`
}

const (
	defaultInstallerValidity = 7 * 24 * time.Hour
	maxInstallerValidity     = 365 * 24 * time.Hour
)

func (req *createInstallerRequest) validate(user string, platforms []string) (time.Duration, error) {
	bad := func(format string, args ...any) (time.Duration, error) {
		return 0, wire.Errorf(wire.BadRequest, format, args...)
	}
	if req.Platform == "" {
		req.Platform = "linux-amd64"
	}
	if !slices.Contains(platforms, req.Platform) {
		return bad("No agent build for platform %q on this site. Available: %s.", req.Platform, strings.Join(platforms, ", "))
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
	valid, err := req.validate(a.user.Name, s.agents.platforms())
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
		CreatedBy: a.user.ID, CreatedAt: now, ExpiresAt: now.Add(valid), Passive: req.Passive}
	if err := s.store.CreateInstaller(r.Context(), in); err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.audit(r.Context(), "installer_created", "", a.user.Name, remoteAddr(r),
		fmt.Sprintf("installer %s %s %s group %q tag %q", in.ID, in.Platform, in.Mode, in.JumpGroup, in.Tag))
	url := s.public.String() + "/download/installer/" + in.ID + "/" + key
	writeJSON(w, http.StatusCreated, map[string]any{
		"id": in.ID, "key_info": key, "download_url": url,
		"expires_at": in.ExpiresAt, "platform": in.Platform, "mode": in.Mode,
		"email_errors": s.emailInstaller(r.Context(), in, url, req.EmailTo, a.user.Name),
	})
}

// handleInstallerDownload serves an installer: for Linux the self-extracting
// tether-{id}.bin (C5), assembled on the fly from the agent build and the
// signed installer config; elsewhere the agent with the config appended
// (MSI and .pkg come later). No login: the key in the URL is the capability.
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
	if strings.HasPrefix(in.Platform, "linux-") && r.URL.Query().Get("format") != "raw" {
		err = s.serveBin(w, r, path, in.ID, cfg)
	} else {
		err = s.serveAgentBinary(w, r, path, "tether-"+in.ID+exeSuffix(in.Platform), cfg)
	}
	if err != nil {
		s.log.Warn("installer download", "installer", in.ID, "err", err)
		return
	}
	s.audit(r.Context(), "installer_downloaded", "", "", remoteAddr(r), "installer "+in.ID)
}

// installerConfig is what an installer's downloads carry (signed).
func (s *Server) installerConfig(in *store.Installer, key string) *embedcfg.Config {
	return &embedcfg.Config{Kind: embedcfg.KindInstaller, SiteURL: s.public.String(), SiteName: s.public.Hostname(),
		CertPin: s.pin, Platform: in.Platform, IssuedAt: s.clock.Now(), InstallerID: in.ID, KeyInfo: key,
		JumpGroup: in.JumpGroup, Tag: in.Tag, Comments: in.Comments, Mode: string(in.Mode), ExpiresAt: in.ExpiresAt}
}

// serveBin streams tether-{id}.bin: the POSIX-sh header and the tar.gz of
// the signed agent, built while sending.
func (s *Server) serveBin(w http.ResponseWriter, r *http.Request, path, id string, cfg *embedcfg.Config) error {
	agent, size, closer, err := s.signedAgent(path, cfg)
	if err != nil {
		s.writeErr(w, r, err)
		return err
	}
	defer closer.Close()
	name := "tether-" + id + ".bin"
	w.Header().Set("Content-Type", "application/x-sh")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := packaging.BuildBin(w, packaging.BinOptions{Name: name, Agent: agent, AgentSize: size, ModTime: s.clock.Now()}); err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	return nil
}
