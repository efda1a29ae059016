package site

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// "Pin as Jump Client" (C2): the technician asks, the customer may allow
// or deny, and on allow the site makes a single-use installer bound to the
// session; the support app installs itself with it (user mode) and the new
// jump client enrols like any other.

// Pin states shown in GET /sessions/{id} as pin.status.
const (
	pinPending    = "pending"    // waiting for the customer
	pinDenied     = "denied"     // the customer said no
	pinInstalling = "installing" // allowed; the app is installing itself
	pinPinned     = "pinned"     // the jump client enrolled
)

// pinRequestTimeout is how long a request waits for the customer, and how
// long the single-use installer stays valid after they allowed it.
const pinRequestTimeout = 10 * time.Minute

type pinState struct {
	Status       string    `json:"status"`
	JumpClientID string    `json:"jump_client_id,omitempty"`
	At           time.Time `json:"at"`
	req          pinRequest
	technician   *authed
}

type pinRequests struct {
	mu sync.Mutex
	m  map[string]*pinState // by session ID
}

func newPinRequests() *pinRequests { return &pinRequests{m: map[string]*pinState{}} }

func (p *pinRequests) get(sessionID string) *pinState {
	p.mu.Lock()
	defer p.mu.Unlock()
	if st := p.m[sessionID]; st != nil {
		c := *st
		return &c
	}
	return nil
}

// begin records a new request unless one is still open (pin_pending).
func (p *pinRequests) begin(sessionID string, st *pinState) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if old := p.m[sessionID]; old != nil && (old.Status == pinPending || old.Status == pinInstalling) &&
		st.At.Sub(old.At) < pinRequestTimeout {
		return false
	}
	p.m[sessionID] = st
	return true
}

// set moves a request on when it is in one of the from states.
func (p *pinRequests) set(sessionID, to, jumpClientID string, from ...string) (*pinState, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.m[sessionID]
	if st == nil || !slices.Contains(from, st.Status) {
		return nil, false
	}
	st.Status, st.JumpClientID = to, cmp.Or(jumpClientID, st.JumpClientID)
	c := *st
	return &c, true
}

type pinRequest struct {
	Name      string `json:"name"`
	JumpGroup string `json:"jump_group"`
	Tag       string `json:"tag"`
	Comments  string `json:"comments"`
	Passive   bool   `json:"passive"`
}

// handlePin is POST /sessions/{id}/pin: it checks the C11 conditions and
// asks the support app; the answer shows up in the session's pin status.
func (s *Server) handlePin(w http.ResponseWriter, r *http.Request, a *authed) {
	var req pinRequest
	if err := readJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
	if err == nil {
		err = s.checkPin(r.Context(), a, ss, &req)
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	ac := s.hub.get(ss.ID)
	if ac == nil {
		s.writeErr(w, r, wire.Err(wire.CustomerOffline))
		return
	}
	if !s.pins.begin(ss.ID, &pinState{Status: pinPending, At: s.clock.Now(), req: req, technician: a}) {
		s.writeErr(w, r, wire.Err(wire.PinPending))
		return
	}
	if err := ac.send(r.Context(), wire.PinRequest{Technician: a.user.Name, Name: req.Name}); err != nil {
		s.pins.set(ss.ID, pinDenied, "", pinPending)
		s.writeErr(w, r, wire.Err(wire.CustomerOffline))
		return
	}
	s.audit(r.Context(), "pin_requested", ss.ID, a.user.Name, remoteAddr(r), fmt.Sprintf("name %q group %q", req.Name, req.JumpGroup))
	// The answer may already be in (--allow-pin); this reports the request.
	writeJSON(w, http.StatusAccepted, map[string]any{"status": pinPending})
}

// checkPin applies the C11 order: no customer, already pinned, limits.
func (s *Server) checkPin(ctx context.Context, a *authed, ss *store.Session, req *pinRequest) error {
	switch {
	case !ss.Live():
		return wire.Err(ss.Status.EndCode())
	case ss.JumpClientID != "":
		return wire.Err(wire.AlreadyPinned) // a jump session: it is a jump client
	case ss.Identity == nil || !ss.Status.Activated():
		return wire.Err(wire.NoCustomer)
	case !s.presence.Online(ss.ID):
		return wire.Err(wire.CustomerOffline)
	}
	if pinned, err := s.pinnedClient(ctx, ss.ID); err != nil {
		return err
	} else if pinned != "" {
		return wire.Err(wire.AlreadyPinned)
	}
	if err := s.deployLimits(ctx, req.Passive); err != nil {
		return err
	}
	req.Name = cmp.Or(req.Name, truncateChars(ss.Computer, maxJumpClientName))
	req.JumpGroup = cmp.Or(req.JumpGroup, personalGroup(a.user.Name))
	patch := patchJumpClient{Name: &req.Name, Tag: &req.Tag, Comments: &req.Comments}
	if err := patch.validate(); err != nil {
		return err
	}
	return checkGroup(a, req.JumpGroup)
}

// pinnedClient returns the jump client (not removed) a session was pinned as.
func (s *Server) pinnedClient(ctx context.Context, sessionID string) (string, error) {
	in, err := s.store.PinInstaller(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil // never pinned
	}
	if err != nil {
		return "", err
	}
	ids, err := s.store.InstallerJumpClients(ctx, in.ID)
	for _, id := range ids {
		if jc, err := s.store.JumpClient(ctx, id); err == nil && !jc.Removed {
			return id, nil
		}
	}
	return "", err
}

// answerPin handles the support app's PinAnswer.
func (s *Server) answerPin(ctx context.Context, ac *agentConn, ss *store.Session, allow bool, addr string) {
	if !allow {
		if _, ok := s.pins.set(ss.ID, pinDenied, "", pinPending); ok {
			s.audit(ctx, "pin_denied", ss.ID, "customer", addr, "")
		}
		return
	}
	st, ok := s.pins.set(ss.ID, pinInstalling, "", pinPending)
	if !ok {
		return
	}
	rec, err := s.pinInstaller(ctx, ss, st)
	if err == nil {
		err = ac.send(ctx, wire.Pinned{Config: rec})
	}
	if err != nil {
		s.log.Error("pin", "session", ss.ID, "err", err)
		s.pins.set(ss.ID, pinDenied, "", pinInstalling)
		return
	}
	s.audit(ctx, "pin_allowed", ss.ID, "customer", addr, "")
}

// pinInstaller creates the single-use installer for an allowed pin and
// returns its signed config record.
func (s *Server) pinInstaller(ctx context.Context, ss *store.Session, st *pinState) ([]byte, error) {
	now := s.clock.Now()
	key := randomToken(24)
	in := &store.Installer{ID: newID()[:16], KeyHash: hashSecret(key), Platform: ss.Platform,
		JumpGroup: st.req.JumpGroup, Tag: st.req.Tag, Comments: st.req.Comments, Mode: wire.ModeUser,
		CreatedBy: st.technician.user.ID, CreatedAt: now, ExpiresAt: now.Add(pinRequestTimeout), Passive: st.req.Passive,
		PinSession: ss.ID, PinName: st.req.Name}
	path, ok := s.agents.path(ss.Platform)
	if !ok {
		return nil, fmt.Errorf("no agent build for the customer's platform %q", ss.Platform)
	}
	f, info, err := openBuild(path)
	if err != nil {
		return nil, err
	}
	f.Close()
	if err := s.store.CreateInstaller(ctx, in); err != nil {
		return nil, err
	}
	// The support app restamps its own program with this record: it names
	// the digest of the build the customer downloaded.
	cfg := s.installerConfig(in, key)
	cfg.BinarySHA256 = info.layout.Digest
	return embedcfg.Record(cfg, s.siteKey)
}

// pinEnrolled is called when a pin installer's client enrolled.
func (s *Server) pinEnrolled(ctx context.Context, in *store.Installer, jc *store.JumpClient, addr string) {
	s.pins.set(in.PinSession, pinPinned, jc.ID, pinInstalling, pinPending)
	s.audit(ctx, "pin", in.PinSession, "customer", addr, fmt.Sprintf("pinned as jump client %s %q", jc.ID, jc.Name))
}

// pinView is the session's pin status for the API. In a cluster a request
// still open here is looked up in the store too: the pin's client may
// enrol at another node than the one that asked. Alone, this node saw the
// enrolment itself (pinEnrolled).
func (s *Server) pinView(ctx context.Context, sessionID string) *pinState {
	st := s.pins.get(sessionID)
	if st != nil && (st.Status == pinPinned || s.cluster.Node() == "") {
		return st
	}
	if id, _ := s.pinnedClient(ctx, sessionID); id != "" {
		return &pinState{Status: pinPinned, JumpClientID: id}
	}
	return st
}
