package site

import (
	"bytes"
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// serveJumpClient is the control channel of a jump client: first contact
// enrols it with its installer's key (within the installer's validity),
// later contacts prove the identity it enrolled with.
func (s *Server) serveJumpClient(ctx context.Context, ac *agentConn, h *wire.Hello, cfg *embedcfg.Config, addr string) {
	jc, err := s.admitJumpClient(ctx, h, cfg, addr)
	if err != nil {
		s.refuse(ctx, ac, err)
		return
	}
	if h.Uninstalling {
		s.touchJumpClient(ctx, jc.ID, func(x *store.JumpClient) { x.Uninstalled = true })
		s.audit(ctx, "jump_client_uninstalled", "", "jump client", addr, "jump client "+jc.ID+" uninstalled on the computer")
		ac.send(ctx, s.welcome(h, wire.Welcome{JumpClientID: jc.ID})) // the acknowledgement
		ac.close(websocket.StatusNormalClosure, "uninstalled")
		return
	}
	// C12: decided before the new version is stored. A passive client
	// with an update due stays for this check-in to receive the offer.
	update := s.checkInUpdate(ctx, jc, h, addr)
	// Back from a reboot (B1): its rebooting sessions go on.
	rebooted := h.Rejoin && s.jumpClientRejoined(ctx, jc.ID, addr)
	// Passive clients stay only when a jump (or a session it rebooted
	// for) waits for them (C9).
	if jc.Passive && !s.passive.wanted(jc.ID) && update == nil && !rebooted {
		s.checkIn(ctx, ac, h, jc)
		return
	}
	// The closures below outlive this call: they keep the ID, not jc.
	id := jc.ID
	ac.id, ac.jump = id, true
	s.storeHello(ctx, id, h)
	ac.atEnd(func() { s.touchJumpClient(context.WithoutCancel(ctx), id, nil) })
	joined := func() *wire.End {
		if x, err := s.store.JumpClient(ctx, id); errors.Is(err, store.ErrNotFound) || (err == nil && x.Removed) {
			return &wire.End{Code: wire.JCNotFound, Uninstall: true}
		}
		s.passive.woke(id)
		return nil
	}
	s.serveConnected(ctx, ac, h, wire.Welcome{JumpClientID: id}, s.offerAfterWelcome(ctx, ac, joined, update), func(m wire.Msg) bool {
		switch m := m.(type) {
		case *wire.HostUpdate:
			s.touchJumpClient(ctx, id, func(x *store.JumpClient) { x.Host, x.Disabled = m.Host, m.Disabled })
		case *wire.Chat:
			s.jumpChat(ctx, id, m, addr)
		case *wire.RebootStatus:
			s.rebootStatus(ctx, ac, m, addr)
		}
		return false
	})
}

// storeHello keeps what a client reports on each connection or check-in
// (C6 statistics, version, local switch); it is evidently installed again.
func (s *Server) storeHello(ctx context.Context, id string, h *wire.Hello) {
	s.touchJumpClient(ctx, id, func(x *store.JumpClient) {
		x.Host, x.Version, x.Disabled, x.Uninstalled = h.Host, h.Version, h.Disabled, false
	})
}

func (s *Server) touchJumpClient(ctx context.Context, id string, fn func(*store.JumpClient)) {
	now := s.clock.Now()
	s.store.UpdateJumpClient(ctx, id, func(x *store.JumpClient) error {
		x.LastSeen = now
		if fn != nil {
			fn(x)
		}
		return nil
	})
}

func (s *Server) admitJumpClient(ctx context.Context, h *wire.Hello, cfg *embedcfg.Config, addr string) (*store.JumpClient, error) {
	invalid := wire.Err(wire.InstallerInvalid)
	in, err := s.store.Installer(ctx, cfg.InstallerID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, invalid
	case err != nil:
		// Not the installer's fault: installer_invalid would make the
		// client give up for good; an internal error makes it retry.
		return nil, fmt.Errorf("installer %s: %w", cfg.InstallerID, err)
	case subtle.ConstantTimeCompare(hashSecret(cfg.KeyInfo), in.KeyHash) != 1:
		return nil, invalid
	}
	if h.JumpClientID != "" {
		jc, err := s.store.JumpClient(ctx, h.JumpClientID)
		switch {
		case errors.Is(err, store.ErrNotFound) || (err == nil && jc.Removed):
			return nil, wire.Err(wire.JCNotFound)
		case err != nil:
			return nil, err
		case !bytes.Equal(jc.Identity, h.Identity):
			return nil, invalid
		}
		return jc, nil
	}
	// The first start must happen within the installer's validity (C5).
	if !s.clock.Now().Before(in.ExpiresAt) {
		return nil, wire.Err(wire.InstallerExpired)
	}
	if in.PinSession != "" { // a pin's installer enrols one computer, once
		if ids, err := s.store.InstallerJumpClients(ctx, in.ID); err != nil || len(ids) > 0 {
			return nil, cmp.Or(err, error(invalid))
		}
	}
	if err := s.deployLimits(ctx, in.Passive); err != nil {
		return nil, err
	}
	jc, err := s.enrolment(ctx, in, h, addr)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateJumpClient(ctx, jc); err != nil {
		return nil, err
	}
	s.audit(ctx, "jump_client_enrolled", "", "installer "+in.ID, addr, "jump client "+jc.ID+" "+jc.Name)
	if in.PinSession != "" {
		s.pinEnrolled(ctx, in, jc, addr)
	}
	return jc, nil
}

// enrolment builds a new jump client from its installer and the install
// flags it reports (C3). The flags are the installing admin's word, not the
// installer creator's: they get the same checks as the API — lengths, and a
// jump group the creator could use (C10), or a flag would move the client
// into someone else's personal group or a team the creator is not in.
func (s *Server) enrolment(ctx context.Context, in *store.Installer, h *wire.Hello, addr string) (*store.JumpClient, error) {
	e := h.Enroll
	if e == nil {
		e = &wire.Enroll{}
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"--jc-name", e.Name, maxJumpClientName}, {"--jc-tag", e.Tag, maxTagLen},
		{"--jc-comments", e.Comments, maxCommentsLen}, {"--jc-jump-group", e.JumpGroup, maxGroupLen}} {
		if err := checkLen(f.name, f.v, f.max); err != nil {
			return nil, err
		}
	}
	group := cmp.Or(e.JumpGroup, in.JumpGroup)
	if group != in.JumpGroup {
		creator, err := s.store.UserByID(ctx, in.CreatedBy)
		if err != nil {
			return nil, fmt.Errorf("installer creator: %w", err)
		}
		if !canSeeGroup(&authed{user: creator}, group) {
			s.audit(ctx, "jump_client_refused", "", "installer "+in.ID, addr,
				fmt.Sprintf("jump group %q is not one %s may use", group, creator.Name))
			return nil, wire.Errorf(wire.Forbidden, "The jump group %q is not allowed for this installer: its creator %s may not use it.", group, creator.Name)
		}
	}
	now := s.clock.Now()
	return &store.JumpClient{ID: newID()[:20], Identity: h.Identity, InstallerID: in.ID,
		Name: cmp.Or(e.Name, in.PinName, truncateChars(h.Host.Hostname, maxJumpClientName)), JumpGroup: group,
		Tag: cmp.Or(e.Tag, in.Tag), Comments: cmp.Or(e.Comments, in.Comments), Mode: cmp.Or(e.Mode, string(in.Mode)),
		Host: h.Host, PublicIP: addr, Version: h.Version, CreatedAt: now, LastSeen: now, Passive: in.Passive}, nil
}

// deployLimits applies the site's jump-client limits to one more client
// (C11): the deployable total, and for a client that stays connected the
// active limit.
func (s *Server) deployLimits(ctx context.Context, passive bool) error {
	if s.opts.JCLimitTotal > 0 {
		n, err := s.store.CountJumpClients(ctx)
		if err != nil {
			return err
		}
		if n >= s.opts.JCLimitTotal {
			return wire.Err(wire.JCLimitTotal)
		}
	}
	if !passive {
		return s.activeLimit(ctx)
	}
	return nil
}

// activeLimit refuses one more active (not passive) jump client past
// --jc-limit-active: a new deployment, a pin, or a passive client switched
// to active.
func (s *Server) activeLimit(ctx context.Context) error {
	if s.opts.JCLimitActive <= 0 {
		return nil
	}
	n, err := s.store.CountActiveJumpClients(ctx)
	if err != nil {
		return err
	}
	if n >= s.opts.JCLimitActive {
		return wire.Err(wire.JCLimitActive)
	}
	return nil
}

// jumpClientView is the API shape (SPEC F).
type jumpClientView struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Hostname    string    `json:"hostname"`
	JumpMethod  string    `json:"jump_method"`
	Comments    string    `json:"comments"`
	Group       string    `json:"group"`
	Tag         string    `json:"tag"`
	Status      string    `json:"status"`
	PrivateIP   string    `json:"private_ip"`
	PublicIP    string    `json:"public_ip"`
	ConsoleUser string    `json:"console_user"`
	Domain      string    `json:"domain"`
	Workgroup   string    `json:"workgroup"`
	OS          string    `json:"os"`
	Version     string    `json:"version"`
	LastSeen    time.Time `json:"last_seen"`
	HasDisplay  bool      `json:"has_display"`
	// Details pane (C6).
	Mode      string    `json:"mode"`
	Passive   bool      `json:"passive"`
	BootTime  time.Time `json:"boot_time,omitzero"`
	UptimeSec int64     `json:"uptime_seconds,omitempty"` // while online or passive
	CreatedAt time.Time `json:"created_at"`
}

func (s *Server) jcView(jc *store.JumpClient) *jumpClientView {
	status, online := string(wire.JumpOffline), s.presence.Online(jc.ID)
	switch {
	case online && jc.Disabled:
		status = string(wire.JumpDisabled)
	case online:
		status = string(wire.JumpOnline)
	case jc.Uninstalled:
		status = string(wire.JumpUninstalled)
	case s.isPassive(jc):
		status = string(wire.JumpPassive)
	}
	v := &jumpClientView{ID: jc.ID, Name: jc.Name, Hostname: jc.Host.Hostname, JumpMethod: "jump client (" + jc.Mode + ")",
		Comments: jc.Comments, Group: jc.JumpGroup, Tag: jc.Tag, Status: status, PrivateIP: jc.Host.PrivateIP,
		PublicIP: jc.PublicIP, ConsoleUser: jc.Host.ConsoleUser, Domain: jc.Host.Domain, Workgroup: jc.Host.Workgroup,
		OS: jc.Host.OS + "-" + jc.Host.Arch, Version: jc.Version, LastSeen: jc.LastSeen, HasDisplay: jc.Host.HasDisplay,
		Mode: jc.Mode, Passive: jc.Passive, BootTime: jc.Host.BootTime, CreatedAt: jc.CreatedAt}
	// Uptime is only known while the client reports in (online or passive).
	if !jc.Host.BootTime.IsZero() && (online || status == string(wire.JumpPassive)) {
		v.UptimeSec = int64(s.clock.Now().Sub(jc.Host.BootTime).Seconds())
	}
	return v
}

// handleGetJumpClient is the details pane (C6).
func (s *Server) handleGetJumpClient(w http.ResponseWriter, r *http.Request, a *authed) {
	jc, err := s.visibleJumpClient(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.jcView(jc))
}

// canSee applies C10 to a jump client.
func canSee(a *authed, jc *store.JumpClient) bool { return canSeeGroup(a, jc.JumpGroup) }

// searchFields are the C7 fields, as the API names them.
var searchFields = []string{"comments", "console_user", "domain", "group", "jump_method", "last_access",
	"name", "private_ip", "public_ip", "status", "tag", "workgroup"}

func (v *jumpClientView) field(name string) string {
	switch name {
	case "comments":
		return v.Comments
	case "console_user":
		return v.ConsoleUser
	case "domain":
		return v.Domain
	case "group":
		return v.Group
	case "jump_method":
		return v.JumpMethod
	case "last_access":
		return v.LastSeen.Format(time.DateTime)
	case "name":
		return v.Name + " " + v.Hostname
	case "private_ip":
		return v.PrivateIP
	case "public_ip":
		return v.PublicIP
	case "status":
		return v.Status
	case "tag":
		return v.Tag
	case "workgroup":
		return v.Workgroup
	}
	return ""
}

func (s *Server) handleListJumpClients(w http.ResponseWriter, r *http.Request, a *authed) {
	q := r.URL.Query()
	fields := searchFields
	if f := q.Get("fields"); f != "" {
		fields = strings.Split(f, ",")
		for _, name := range fields {
			if !slices.Contains(searchFields, name) {
				s.writeErr(w, r, wire.Errorf(wire.BadRequest, "Unknown search field %q. Fields: %s.", name, strings.Join(searchFields, ", ")))
				return
			}
		}
	}
	list, err := s.store.ListJumpClients(r.Context())
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	needle := strings.ToLower(q.Get("q"))
	items := []*jumpClientView{}
	counts := map[string]int{"total": 0, "online": 0, "offline": 0, "passive": 0}
	for _, jc := range list {
		if !canSee(a, jc) || (q.Get("group") != "" && jc.JumpGroup != q.Get("group")) || (q.Get("tag") != "" && jc.Tag != q.Get("tag")) {
			continue
		}
		v := s.jcView(jc)
		if needle != "" && !matches(v, fields, needle) {
			continue
		}
		items = append(items, v)
		counts["total"]++
		switch v.Status {
		case string(wire.JumpOnline), string(wire.JumpDisabled):
			counts["online"]++
		case string(wire.JumpPassive):
			counts["passive"]++
		default:
			counts["offline"]++
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "counts": counts})
}

func matches(v *jumpClientView, fields []string, needle string) bool {
	for _, f := range fields {
		if strings.Contains(strings.ToLower(v.field(f)), needle) {
			return true
		}
	}
	return false
}

// visibleJumpClient loads a jump client the caller may see (C11 jc_not_found otherwise).
func (s *Server) visibleJumpClient(ctx context.Context, a *authed, id string) (*store.JumpClient, error) {
	jc, err := s.store.JumpClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (jc.Removed || !canSee(a, jc))) {
		return nil, wire.Err(wire.JCNotFound)
	}
	return jc, err
}

type patchJumpClient struct {
	Name      *string `json:"name"`
	JumpGroup *string `json:"jump_group"`
	Tag       *string `json:"tag"`
	Comments  *string `json:"comments"`
	// Passive makes the client only check in periodically (C9).
	Passive *bool `json:"passive"`
}

// validate applies the text limits of the fields that are set.
func (req *patchJumpClient) validate() error {
	if req.Name != nil && *req.Name == "" {
		return wire.Errorf(wire.BadRequest, "name must not be empty.")
	}
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"name", req.Name, maxJumpClientName}, {"tag", req.Tag, maxTagLen}, {"comments", req.Comments, maxCommentsLen}} {
		if f.v != nil {
			if err := checkLen(f.name, *f.v, f.max); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Server) handlePatchJumpClient(w http.ResponseWriter, r *http.Request, a *authed) {
	var req patchJumpClient
	if err := readJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	jc, err := s.patchJumpClient(r, a, r.PathValue("id"), &req)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.jcView(jc))
}

func (s *Server) patchJumpClient(r *http.Request, a *authed, id string, req *patchJumpClient) (*store.JumpClient, error) {
	jc, err := s.visibleJumpClient(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	if req.JumpGroup != nil {
		if err := checkGroup(a, *req.JumpGroup); err != nil {
			return nil, err
		}
	}
	if req.Passive != nil && !*req.Passive && jc.Passive {
		if err := s.activeLimit(r.Context()); err != nil {
			return nil, err
		}
	}
	jc, err = s.store.UpdateJumpClient(r.Context(), jc.ID, func(x *store.JumpClient) error {
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&x.Name, req.Name)
		set(&x.JumpGroup, req.JumpGroup)
		set(&x.Tag, req.Tag)
		set(&x.Comments, req.Comments)
		if req.Passive != nil {
			x.Passive = *req.Passive
		}
		return nil
	})
	if err == nil {
		s.audit(r.Context(), "jump_client_changed", "", a.user.Name, remoteAddr(r), "jump client "+jc.ID)
	}
	return jc, err
}

type bulkRequest struct {
	IDs []string `json:"ids"`
	patchJumpClient
}

// handleBulkJumpClients applies Properties (PATCH) or Remove (DELETE) to
// many jump clients at once (C8); every ID is checked on its own, and the
// answer lists the ones that failed with their C11 code.
func (s *Server) handleBulkJumpClients(w http.ResponseWriter, r *http.Request, a *authed) {
	var req bulkRequest
	if err := readJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if len(req.IDs) == 0 || len(req.IDs) > 10000 {
		s.writeErr(w, r, wire.Errorf(wire.BadRequest, "ids must list 1 to 10000 jump clients."))
		return
	}
	if r.Method == http.MethodPatch && req.Name != nil && len(req.IDs) > 1 {
		s.writeErr(w, r, wire.Errorf(wire.BadRequest, "name can only be set on one jump client at a time."))
		return
	}
	failed := map[string]*wire.Error{}
	for _, id := range req.IDs {
		var err error
		if r.Method == http.MethodDelete {
			err = s.removeJumpClient(r, a, id)
		} else {
			_, err = s.patchJumpClient(r, a, id, &req.patchJumpClient)
		}
		var we *wire.Error
		if errors.As(err, &we) {
			failed[id] = we
		} else if err != nil {
			s.writeErr(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"done": len(req.IDs) - len(failed), "failed": failed})
}

// handleDeleteJumpClient removes a jump client: access is revoked at once
// and a connected client is told to uninstall (C8).
func (s *Server) handleDeleteJumpClient(w http.ResponseWriter, r *http.Request, a *authed) {
	if err := s.removeJumpClient(r, a, r.PathValue("id")); err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (s *Server) removeJumpClient(r *http.Request, a *authed, id string) error {
	jc, err := s.visibleJumpClient(r.Context(), a, id)
	if err == nil {
		_, err = s.store.UpdateJumpClient(r.Context(), jc.ID, func(x *store.JumpClient) error { x.Removed = true; return nil })
	}
	if err != nil {
		return err
	}
	s.disconnectRemoved(r.Context(), jc.ID)
	s.audit(r.Context(), "jump_client_removed", "", a.user.Name, remoteAddr(r), "jump client "+jc.ID)
	return nil
}

// disconnectRemoved tells a connected removed client to uninstall (C8).
func (s *Server) disconnectRemoved(ctx context.Context, id string) {
	s.sendAgent(ctx, id, wire.End{Code: wire.JCNotFound, Uninstall: true}, true)
}

// jumpClientMaxOffline is the C8 rule: a jump client offline this long is
// removed from the list and uninstalls itself if it ever returns.
const jumpClientMaxOffline = 180 * 24 * time.Hour

func (s *Server) reapJumpClients(ctx context.Context) {
	ids, err := s.store.StaleJumpClients(ctx, s.clock.Now().Add(-jumpClientMaxOffline))
	if err != nil {
		return
	}
	for _, id := range ids {
		if s.presence.Online(id) { // last_seen is only written on changes
			continue
		}
		if _, err := s.store.UpdateJumpClient(ctx, id, func(x *store.JumpClient) error { x.Removed = true; return nil }); err == nil {
			s.audit(ctx, "jump_client_expired", "", "site", "", "jump client "+id+" offline for 180 days")
		}
	}
}
