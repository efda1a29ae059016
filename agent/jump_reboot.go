package agent

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/tetherhq/tether/installer"
	"github.com/tetherhq/tether/wire"
)

// A jump client reboots without a question (it follows the site's
// unattended-access policy, D2) and comes back by itself: its service
// starts at boot, a user-mode client at the user's logon. Before the
// reboot it writes a marker into its state dir; the next start finds it,
// clears Safe Mode when that was set (B2), says Hello.Rejoin so that the
// site takes its rebooting sessions back, reports what it cleared and
// removes the marker.

// jumpRebootFile is the jump client's reboot marker.
const jumpRebootFile = "reboot.json"

type jumpRebootMarker struct {
	Session  string `json:"session"`
	SafeMode bool   `json:"safe_mode,omitempty"`
	Service  string `json:"service,omitempty"` // registered to start in Safe Mode
	// Cleared is set once the restarted client cleared Safe Mode; the
	// clearing's error, if any, waits in ClearError to be reported.
	Cleared    bool   `json:"cleared,omitempty"`
	ClearError string `json:"clear_error,omitempty"`
}

// safeMode is the client's Safe Mode system (nil where there is none).
func (j *jumpClient) safeMode() *SafeMode {
	if j.o.SafeMode != nil {
		return j.o.SafeMode
	}
	return systemSafeMode()
}

// reboot carries out a Reboot; report tells the site each step.
func (j *jumpClient) reboot(ctx context.Context, m *wire.Reboot, report func(wire.RebootEvent, string)) {
	// One at a time: two sessions on this client may both ask, and the
	// marker (with its Safe Mode to clear) must not be overwritten.
	if !j.rebootBusy.CompareAndSwap(false, true) {
		report(wire.RebootFailed, "the computer is already restarting for another session")
		return
	}
	defer j.rebootBusy.Store(false)
	mark := &jumpRebootMarker{Session: m.Session, SafeMode: m.SafeMode}
	if m.SafeMode {
		service, err := j.serviceName()
		sm := j.safeMode()
		switch {
		case err != nil:
		case sm == nil:
			err = errors.New("Safe Mode is only available on Windows")
		}
		if err != nil {
			report(wire.RebootFailed, err.Error())
			return
		}
		// The marker first: a crash after the flag is set must still
		// find it cleared at the next start.
		mark.Service = service
		if err := j.st.saveJumpReboot(mark); err != nil {
			report(wire.RebootFailed, err.Error())
			return
		}
		if err := sm.Set(ctx, service); err != nil {
			j.st.forgetJumpReboot()
			report(wire.RebootFailed, err.Error())
			return
		}
		report(wire.SafeModeSet, "service "+service)
	} else if err := j.st.saveJumpReboot(mark); err != nil {
		report(wire.RebootFailed, err.Error())
		return
	}
	report(wire.RebootStarting, "")
	j.log.Warn("rebooting the computer for the technician", "session", m.Session, "safe_mode", m.SafeMode)
	stopped, err := callReboot(ctx, j.o.Reboot)
	if stopped {
		return // the OS is stopping this process: the marker stays
	}
	if m.SafeMode { // the next boot must not be Safe Mode after all
		if cerr := j.safeMode().Clear(context.WithoutCancel(ctx), mark.Service); cerr != nil {
			err = fmt.Errorf("%w; clearing Safe Mode again: %w", err, cerr)
		}
	}
	j.st.forgetJumpReboot()
	j.log.Error("reboot", "err", err)
	report(wire.RebootFailed, err.Error())
}

// serviceName is the name this client is installed under (its install
// record beside the executable), the one Safe Mode must start.
func (j *jumpClient) serviceName() (string, error) {
	rec, err := installer.ReadRecord(filepath.Dir(j.o.Executable))
	if err != nil {
		return "", fmt.Errorf("Safe Mode needs the service name: %w", err)
	}
	if rec.Mode != installer.ModeService || rec.ServiceName == "" {
		return "", errors.New("Safe Mode is only available for a jump client installed as a service")
	}
	return rec.ServiceName, nil
}

// backFromReboot runs at the start of the jump client: after a reboot the
// site asked for, Safe Mode is cleared at once (so the next reboot is
// normal, whatever happens to the connection), and the marker is kept
// until the site has heard about it. It returns the marker, or nil.
func (j *jumpClient) backFromReboot(ctx context.Context) *jumpRebootMarker {
	mark, err := j.st.jumpReboot()
	if err != nil {
		j.log.Warn("reboot marker unreadable; removing it", "err", err)
		j.st.forgetJumpReboot()
		return nil
	}
	if mark == nil || !mark.SafeMode || mark.Cleared {
		return mark
	}
	sm := j.safeMode()
	if sm == nil {
		mark.ClearError = "no Safe Mode on this system"
	} else if err := sm.Clear(ctx, mark.Service); err != nil {
		j.log.Error("clear Safe Mode after the reboot", "err", err)
		mark.ClearError = err.Error()
	} else {
		mark.Cleared, mark.ClearError = true, ""
	}
	if err := j.st.saveJumpReboot(mark); err != nil {
		j.log.Warn("save reboot marker", "err", err)
	}
	return mark
}

// reportBack tells the site, on the first connection after the reboot,
// what the restart left to say, and forgets the marker unless clearing
// Safe Mode failed (the next start tries again).
func (j *jumpClient) reportBack(mark *jumpRebootMarker, report func(wire.RebootEvent, string)) {
	switch {
	case !mark.SafeMode:
	case mark.Cleared:
		report(wire.SafeModeCleared, "service "+mark.Service)
	default:
		report(wire.SafeModeClearFailed, mark.ClearError)
		return
	}
	if err := j.st.forgetJumpReboot(); err != nil {
		j.log.Warn("remove reboot marker", "err", err)
	}
}

func (st *State) jumpReboot() (*jumpRebootMarker, error) {
	return loadRecord[jumpRebootMarker](st, jumpRebootFile, "reboot marker")
}

func (st *State) saveJumpReboot(m *jumpRebootMarker) error { return st.saveRecord(jumpRebootFile, m) }

func (st *State) forgetJumpReboot() error { return st.forgetRecord(jumpRebootFile, "reboot marker") }
