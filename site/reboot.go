package site

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// Reboot and reconnect (B1–B5). The technician asks (POST
// /sessions/{id}/reboot); the site checks that this computer can do it,
// marks the session rebooting and sends the agent a Reboot carrying the
// site's settings (B3). The agent reports each step (RebootStatus, all
// audited): a "no" or a failure puts the session back at once; otherwise
// the agent's next hello after the reboot — the support app started by its
// one-shot logon entry, or the jump client started by its service — puts it
// back to activated. A computer not back within Options.RebootTimeout
// expires the session (B4); lifecycle.go's reaper and loadSession apply it.

type rebootRequest struct {
	SafeMode bool `json:"safe_mode"`
}

// rebootOffer tells the console what it may offer for a session (B2, B5)
// and, when nothing, why.
type rebootOffer struct {
	Available bool   `json:"available"`
	SafeMode  bool   `json:"safe_mode"`
	Reason    string `json:"reason,omitempty"`
}

// rebootOfferFor is the rule: never for macOS (B5: a Mac's support app
// cannot register itself to come back, and GoToAssist does not offer it
// either); Safe Mode with networking only for a Windows jump client that
// runs as a service (B2), the only agent that starts in Safe Mode before
// anyone logs on.
func rebootOfferFor(goos string, jump bool, mode string) rebootOffer {
	if goos == "darwin" {
		return rebootOffer{Reason: "Reboot and reconnect is not offered for macOS computers."}
	}
	return rebootOffer{Available: true, SafeMode: jump && goos == "windows" && mode == string(wire.ModeService)}
}

// rebootOfferOf works a session's offer out from its computer: for a jump
// session from the jump client's own mode and latest statistics.
func (s *Server) rebootOfferOf(ctx context.Context, ss *store.Session) (rebootOffer, error) {
	goos, _, _ := strings.Cut(ss.Platform, "-")
	goos, mode := cmp.Or(ss.Host.OS, goos), ""
	if ss.JumpClientID != "" {
		jc, err := s.store.JumpClient(ctx, ss.JumpClientID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return rebootOffer{}, err
		}
		if err == nil {
			goos, mode = cmp.Or(jc.Host.OS, goos), jc.Mode
		}
	}
	return rebootOfferFor(goos, ss.JumpClientID != "", mode), nil
}

// handleReboot is POST /sessions/{id}/reboot: 202 with the session, now
// rebooting; the steps after that show in its status and the audit log.
func (s *Server) handleReboot(w http.ResponseWriter, r *http.Request, a *authed) {
	var req rebootRequest
	if err := readJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	ctx := r.Context()
	ss, err := s.ownSession(ctx, a, r.PathValue("id"))
	var ac *agentConn
	if err == nil {
		ac, err = s.checkReboot(ctx, ss, req.SafeMode)
	}
	if err == nil {
		ss, err = s.startReboot(ctx, ss, req.SafeMode, ac, a.user.Name, remoteAddr(r))
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, s.view(ss))
}

// checkReboot applies the refusals in this order: an ended session, a
// reboot under way, no customer yet, B5, B2, and last the agent must be
// connected, whose connection it returns.
func (s *Server) checkReboot(ctx context.Context, ss *store.Session, safeMode bool) (*agentConn, error) {
	switch {
	case !ss.Live():
		return nil, wire.Err(ss.Status.EndCode())
	case ss.Status == wire.StatusRebooting:
		return nil, errRebooting
	case !ss.Status.Activated():
		return nil, wire.Err(wire.NoCustomer)
	}
	offer, err := s.rebootOfferOf(ctx, ss)
	switch {
	case err != nil:
		return nil, err
	case !offer.Available:
		return nil, wire.Errorf(wire.RebootUnsupported, "%s", offer.Reason)
	case safeMode && !offer.SafeMode:
		return nil, wire.Errorf(wire.BadRequest, "Safe Mode is only available for Windows Jump Clients that run as a service.")
	}
	if ac := s.hub.get(rebootAgent(ss)); ac != nil {
		return ac, nil
	}
	if ss.JumpClientID != "" {
		return nil, wire.Err(wire.JCNotConnected)
	}
	return nil, wire.Err(wire.CustomerOffline)
}

var errRebooting = wire.Errorf(wire.Conflict, "The computer is already rebooting.")

// rebootAgent is the hub ID of the agent that reboots for a session: the
// support app's session, or the jump client.
func rebootAgent(ss *store.Session) string { return cmp.Or(ss.JumpClientID, ss.ID) }

// startReboot marks the session rebooting and sends the agent its Reboot.
func (s *Server) startReboot(ctx context.Context, ss *store.Session, safeMode bool, ac *agentConn, technician, addr string) (*store.Session, error) {
	now := s.clock.Now()
	ss, err := s.store.UpdateSession(ctx, ss.ID, func(x *store.Session) error {
		switch {
		case !x.Live():
			return wire.Err(x.Status.EndCode())
		case x.Status == wire.StatusRebooting:
			return errRebooting
		}
		x.Status, x.RebootStartedAt, x.RebootSafeMode = wire.StatusRebooting, now, safeMode
		return nil
	})
	if err != nil {
		return nil, err
	}
	detail := "reboot and reconnect"
	if safeMode {
		detail += " into Safe Mode with networking"
	}
	s.audit(ctx, "reboot_requested", ss.ID, technician, addr, detail)
	// Jump clients follow the site's unattended-access policy (D2): no
	// questions, as for their views.
	jump := ss.JumpClientID != ""
	m := wire.Reboot{Session: ss.ID, SafeMode: safeMode, Technician: technician, Timeout: s.opts.RebootTimeout,
		Confirm: !jump && !s.opts.NoRebootConfirm, RestartConfirm: !jump && !s.opts.NoRestartConfirm}
	if err := ac.send(ctx, m); err != nil {
		s.rebootOver(context.WithoutCancel(ctx), ss.ID, "reboot_failed", "site", "", "the agent could not be told: "+err.Error())
		if jump {
			return nil, wire.Err(wire.JCNotConnected)
		}
		return nil, wire.Err(wire.CustomerOffline)
	}
	return ss, nil
}

var errNotRebooting = errors.New("session not rebooting")

// rebootOver ends the reboot of a session that is still rebooting and
// audits event: it is connected again while a technician's view still
// runs (the customer said no), else activated. It reports whether the
// session was rebooting.
func (s *Server) rebootOver(ctx context.Context, id, event, actor, addr, detail string) bool {
	// The viewing count, unchanged: views that ended meanwhile could not
	// move a rebooting session to activated (relay.go's viewing).
	to := wire.StatusActivated
	if s.relay.viewing(id, 0) > 0 {
		to = wire.StatusConnected
	}
	_, err := s.store.UpdateSession(ctx, id, func(x *store.Session) error {
		if !x.Live() || x.Status != wire.StatusRebooting {
			return errNotRebooting
		}
		x.Status, x.RebootStartedAt, x.RebootSafeMode = to, time.Time{}, false
		return nil
	})
	if err != nil {
		if !errors.Is(err, errNotRebooting) {
			s.log.Error("end reboot", "session", id, "event", event, "err", err)
		}
		return false
	}
	s.audit(ctx, event, id, actor, addr, detail)
	return true
}

// rebootOverdue reports whether ss has been rebooting for RebootTimeout.
func (s *Server) rebootOverdue(ss *store.Session) bool {
	return ss.Live() && ss.Status == wire.StatusRebooting &&
		!s.clock.Now().Before(ss.RebootStartedAt.Add(s.opts.RebootTimeout))
}

// rejoined puts a session whose computer is back from its reboot to
// activated (B1), or expires it when the computer came too late (B4).
func (s *Server) rejoined(ctx context.Context, ss *store.Session, actor, addr string) (*store.Session, error) {
	if s.rebootOverdue(ss) {
		return s.expireReboot(ctx, ss.ID)
	}
	back := s.clock.Now().Sub(ss.RebootStartedAt).Round(time.Second)
	s.rebootOver(ctx, ss.ID, "rejoined", actor, addr, fmt.Sprintf("the computer is back, %s after its reboot", back))
	return s.store.Session(ctx, ss.ID)
}

// jumpClientRejoined handles a jump client's return: each of its sessions
// that waits for it to come back from a reboot is rejoined. It reports
// whether there was one, so that a passive client stays connected for it.
func (s *Server) jumpClientRejoined(ctx context.Context, jumpClientID, addr string) bool {
	list, err := s.store.RebootingSessions(ctx)
	if err != nil {
		s.log.Error("rebooting sessions", "err", err)
		return false
	}
	found := false
	for _, ss := range list {
		if ss.JumpClientID != jumpClientID {
			continue
		}
		if ss, err := s.rejoined(ctx, ss, "jump client", addr); err == nil && ss.Live() {
			found = true
		}
	}
	return found
}

// expireReboot ends a session whose computer did not come back in time
// (B4) with the A9 session_expired answer for a late rejoin.
func (s *Server) expireReboot(ctx context.Context, id string) (*store.Session, error) {
	now := s.clock.Now()
	ss, err := s.store.UpdateSession(ctx, id, func(x *store.Session) error {
		if !s.rebootOverdue(x) {
			return errAlreadyEnded
		}
		x.Status, x.EndedAt, x.OnlineSince = wire.StatusExpired, now, time.Time{}
		return nil
	})
	if errors.Is(err, errAlreadyEnded) {
		return s.store.Session(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	s.audit(ctx, "reboot_expired", id, "site", "", fmt.Sprintf("the computer did not come back within %s of its reboot", s.opts.RebootTimeout))
	s.audit(ctx, "expired", id, "site", "", "no reconnection after the reboot")
	s.tellEnded(ctx, ss, wire.SessionExpired)
	return ss, nil
}

// reapReboots applies B4 to every rebooting session. One whose agent is
// still connected never went down (an old agent, or a reboot the OS did
// not carry out): it goes back to activated instead of expiring.
func (s *Server) reapReboots(ctx context.Context) {
	list, err := s.store.RebootingSessions(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("reaper: rebooting sessions", "err", err)
		}
		return
	}
	for _, ss := range list {
		switch {
		case !s.rebootOverdue(ss):
		case s.presence.Online(rebootAgent(ss)):
			s.rebootOver(ctx, ss.ID, "reboot_failed", "site", "", fmt.Sprintf("the computer did not restart within %s", s.opts.RebootTimeout))
		default:
			if _, err := s.expireReboot(ctx, ss.ID); err != nil {
				s.log.Warn("expire rebooting session", "session", ss.ID, "err", err)
			}
		}
	}
}

// rebootAuditEvents names the audit entry of each step an agent reports.
var rebootAuditEvents = map[wire.RebootEvent]string{
	wire.RebootConfirmed:     "reboot_confirmed",
	wire.RebootDeclined:      "reboot_declined",
	wire.RebootStarting:      "rebooting",
	wire.RebootFailed:        "reboot_failed",
	wire.SafeModeSet:         "safe_mode_set",
	wire.SafeModeCleared:     "safe_mode_cleared",
	wire.SafeModeClearFailed: "safe_mode_clear_failed",
	wire.SharingRestarted:    "sharing_restarted",
	wire.ReconnectCancelled:  "reconnect_cancelled",
}

// maxRebootDetail bounds what an agent may write into the audit log.
const maxRebootDetail = 500

// rebootStatus handles a step the agent reports for one of its sessions.
func (s *Server) rebootStatus(ctx context.Context, ac *agentConn, m *wire.RebootStatus, addr string) {
	event, known := rebootAuditEvents[m.Event]
	ss, err := s.store.Session(ctx, m.Session)
	if !known || err != nil || rebootAgent(ss) != ac.id || (ss.JumpClientID != "") != ac.jump {
		s.log.Warn("reboot status for an unknown step or another agent's session", "agent", ac.id, "session", m.Session, "event", m.Event)
		return
	}
	actor, detail := "customer", truncateChars(m.Detail, maxRebootDetail)
	if ac.jump {
		actor = "jump client"
	}
	switch m.Event {
	case wire.RebootDeclined, wire.RebootFailed:
		s.rebootOver(ctx, ss.ID, event, actor, addr, detail)
		return
	case wire.RebootStarting:
		// B4's clock starts now: the customer may have taken a while to
		// answer the question.
		now := s.clock.Now()
		s.store.UpdateSession(ctx, ss.ID, func(x *store.Session) error {
			if x.Status != wire.StatusRebooting {
				return errNotRebooting
			}
			x.RebootStartedAt = now
			return nil
		})
	}
	s.audit(ctx, event, ss.ID, actor, addr, detail)
}
