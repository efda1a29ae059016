package agent

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/wire"
)

// rebootQuestionTimeout is how long the customer has to answer the reboot
// question (B3); no answer is a no.
const rebootQuestionTimeout = 2 * time.Minute

// resumeSharingFor is how long after the restart the technician's views
// are allowed without the consent question, once the customer agreed to
// resume sharing (or had allowed it before the reboot and the site does not
// ask again).
const resumeSharingFor = 10 * time.Minute

// errReconnectCancelled is the cause of the app's end when the customer
// cancels the reconnection after the restart (B3).
var errReconnectCancelled = errors.New("the customer cancelled the reconnection")

// errCustomerQuit is the cause of the app's end when the customer closes
// its window.
var errCustomerQuit = errors.New("the customer closed the support app")

// reboot carries out the technician's Reboot (B1, B3): the customer's
// answer when the site wants one, the logon entry that brings this app
// back, then the OS. The site hears every step.
func (s *Support) reboot(ctx context.Context, c *ctrl, m *wire.Reboot) {
	report := func(ev wire.RebootEvent, detail string) {
		st := wire.RebootStatus{Session: m.Session, Event: ev, Detail: detail}
		if err := c.send(ctx, st); err != nil {
			s.log.Warn("reboot: report to the site", "event", ev, "err", err)
			if ev == wire.RebootDeclined || ev == wire.RebootFailed {
				s.keepUnsent(&st) // the site must hear it, or it shows rebooting for 10 minutes
			}
		}
	}
	if !s.rebootBusy.CompareAndSwap(false, true) {
		report(wire.RebootFailed, "a restart is already being prepared")
		return
	}
	defer s.rebootBusy.Store(false)
	switch {
	case m.Session != s.cfg.SessionID:
		s.log.Warn("reboot for another session ignored", "session", m.Session)
		return
	case m.SafeMode: // the site never asks a support app for it (B2)
		report(wire.RebootFailed, "Safe Mode is only available for Windows Jump Clients that run as a service")
		return
	}
	if m.Confirm {
		if ok, why := s.askReboot(ctx, cmp.Or(m.Technician, s.technicianName())); !ok {
			s.say("Restart declined.")
			report(wire.RebootDeclined, why)
			return
		}
		report(wire.RebootConfirmed, "")
	}
	if err := s.armRejoin(m); err != nil {
		s.log.Error("reboot: prepare the rejoin", "err", err)
		s.say("The computer is not restarted: %v", err)
		report(wire.RebootFailed, err.Error())
		return
	}
	s.rebooting.Store(true)
	report(wire.RebootStarting, "")
	s.say("Restarting this computer. Log on again%s after the restart: the support session continues by itself.", within(m.Timeout))
	s.setState(ui.PhaseReconnecting, s.question(ui.KeyRebooting))
	stopped, err := callReboot(ctx, s.o.Reboot)
	if stopped {
		return // the OS is stopping this process: the entry stays
	}
	s.rebooting.Store(false)
	if derr := s.disarmRejoin(); derr != nil {
		s.log.Warn("reboot: remove the rejoin entry", "err", derr)
	}
	s.log.Error("reboot", "err", err)
	s.say("The computer could not be restarted: %v", err)
	s.setState(ui.PhaseWaitingTechnician, "")
	report(wire.RebootFailed, err.Error())
}

// askReboot asks the customer whether the technician may restart the
// computer; it reports the answer and, for a no, why.
func (s *Support) askReboot(ctx context.Context, technician string) (bool, string) {
	if s.o.Silent {
		return false, "the support app runs silently and cannot ask the customer"
	}
	qctx, cancel := context.WithTimeout(ctx, rebootQuestionTimeout)
	defer cancel()
	if s.confirm(qctx, s.question(ui.KeyAskReboot, technician)) {
		return true, ""
	}
	switch {
	case ctx.Err() != nil:
		return false, "the connection to the site dropped while the customer was asked"
	case qctx.Err() != nil:
		return false, fmt.Sprintf("no answer within %s", rebootQuestionTimeout)
	}
	return false, "the customer said no"
}

// rejoined runs once the site has taken the app back after the restart:
// the logon entry goes, and sharing resumes as the site's setting says
// (B3) — asked, or as it was before the reboot. A "no" cancels the
// reconnection: the app quits, the session stays open (A7).
func (s *Support) rejoined(ctx context.Context, c *ctrl) {
	rec := s.takeRejoin()
	if rec == nil {
		return
	}
	s.say("Back after the restart: the support session continues.")
	if !rec.RestartConfirm || s.o.Silent {
		if rec.Sharing {
			s.resumeSharing()
		}
		return
	}
	name := cmp.Or(s.technicianName(), rec.Technician)
	allowed := s.confirm(ctx, s.question(ui.KeyAskRestartSharing, name))
	if ctx.Err() != nil {
		return // the link dropped meanwhile: that was no answer
	}
	event := wire.SharingRestarted
	if allowed {
		s.resumeSharing()
	} else {
		event = wire.ReconnectCancelled
	}
	if err := c.send(ctx, wire.RebootStatus{Session: s.cfg.SessionID, Event: event}); err != nil {
		s.log.Warn("reboot: report to the site", "event", event, "err", err)
	}
	if !allowed {
		s.quit(errReconnectCancelled)
	}
}

// resumeSharing lets the technician's views in without the consent
// question for a while after the restart.
func (s *Support) resumeSharing() {
	s.sharingUntil.Store(time.Now().Add(resumeSharingFor).UnixNano())
}

// sharingResumed reports whether a view may start without asking.
func (s *Support) sharingResumed() bool {
	return time.Now().UnixNano() < s.sharingUntil.Load()
}

// keepUnsent keeps the outcome of a reboot the site could not be told
// (the link dropped meanwhile) for the next connection.
func (s *Support) keepUnsent(st *wire.RebootStatus) {
	s.unsentMu.Lock()
	defer s.unsentMu.Unlock()
	s.unsent = st
}

// sendUnsent tells the site a reboot's outcome it missed.
func (s *Support) sendUnsent(ctx context.Context, c *ctrl) {
	s.unsentMu.Lock()
	st := s.unsent
	s.unsent = nil
	s.unsentMu.Unlock()
	if st != nil && c.send(ctx, *st) != nil {
		s.keepUnsent(st)
	}
}

// within says how long the customer has to be back (B4), for the terminal.
func within(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d%time.Minute == 0:
		return fmt.Sprintf(" within %d minutes", d/time.Minute)
	}
	return " within " + d.String()
}
