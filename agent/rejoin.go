package agent

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/tetherhq/tether/installer"
	"github.com/tetherhq/tether/wire"
)

// Before a reboot its technician started (B1) the support app writes a
// rejoin record into its state dir and registers a one-shot logon entry
// (installer.RegisterOneShot) that runs this very program again — the
// download, with its embedded session — as `support --rejoin` with the
// same state dir, so the same identity key and session record are used and
// nothing is downloaded again. Back after the reboot, the app finds the
// record, says so in its hello (Hello.Rejoin), and removes entry and record
// once the site has taken it back. A customer who starts the app by hand
// after the reboot rejoins the same way: the record is what counts.

// rejoinFile is the rejoin record in the state dir.
const rejoinFile = "rejoin.json"

// rejoinRecord is what the app needs to come back.
type rejoinRecord struct {
	SessionID string `json:"session_id"`
	// RestartConfirm is the site's B3 setting: ask before sharing resumes.
	RestartConfirm bool `json:"restart_confirm,omitempty"`
	// Sharing is set when the customer had allowed a view before the
	// reboot; without the question, sharing then resumes as it was.
	Sharing    bool               `json:"sharing,omitempty"`
	Technician string             `json:"technician,omitempty"`
	Entry      *installer.OneShot `json:"entry,omitempty"`
	At         time.Time          `json:"at"`
}

// rejoinCommand is the command line of the logon entry: this program,
// `support --rejoin`, the state dir (absolute: the entry runs from
// elsewhere), and the flags the customer started it with that still
// matter; --security-code does not: the session is activated.
func (s *Support) rejoinCommand() ([]string, error) {
	if s.o.Executable == "" {
		return nil, errors.New("the support app's own path is unknown")
	}
	exe, err := filepath.Abs(s.o.Executable)
	if err != nil {
		return nil, fmt.Errorf("the support app's own path: %w", err)
	}
	state, err := filepath.Abs(s.state.Dir)
	if err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	argv := []string{exe, "support", "--rejoin", "--state-dir", state}
	if s.o.Site != "" { // no embedded session: the config comes from the site again
		argv = append(argv, "--site", s.o.Site, "--code", s.o.Code)
		if s.o.Pin != "" {
			argv = append(argv, "--pin", s.o.Pin)
		}
	}
	for _, f := range []struct {
		on   bool
		flag string
	}{{s.o.AllowControl, "--allow-control"}, {s.o.AllowPin, "--allow-pin"}, {s.o.Silent, "--silent"}} {
		if f.on {
			argv = append(argv, f.flag)
		}
	}
	return argv, nil
}

// armRejoin writes the record, then the logon entry, and records the
// entry: whatever happens in between, removeSelf (A5) and disarmRejoin
// find what there is to remove.
func (s *Support) armRejoin(m *wire.Reboot) error {
	name, err := installer.OneShotName(s.cfg.SessionID)
	if err != nil {
		return err
	}
	argv, err := s.rejoinCommand()
	if err != nil {
		return err
	}
	rec := &rejoinRecord{SessionID: s.cfg.SessionID, RestartConfirm: m.RestartConfirm,
		Sharing: s.o.AllowControl || s.sharing.Load(), Technician: m.Technician, At: time.Now().UTC()}
	if err := s.state.saveRejoin(rec); err != nil {
		return err
	}
	entry, err := installer.RegisterOneShot(name, argv)
	if err == nil {
		rec.Entry = entry
		if err = s.state.saveRejoin(rec); err != nil {
			entry.Remove()
		}
	}
	if err != nil {
		s.state.forgetRejoin()
		return fmt.Errorf("register the support app to start after the restart: %w", err)
	}
	s.log.Info("rejoin after the restart registered", "kind", entry.Kind, "files", entry.Files)
	return nil
}

// disarmRejoin removes the logon entry and the record.
func (s *Support) disarmRejoin() error {
	rec, err := s.state.rejoinRecord()
	if err != nil || rec == nil {
		return errors.Join(err, s.state.forgetRejoin())
	}
	var errs []error
	if rec.Entry != nil {
		if err := rec.Entry.Remove(); err != nil {
			errs = append(errs, fmt.Errorf("remove the logon entry: %w", err))
		}
	}
	return errors.Join(append(errs, s.state.forgetRejoin())...)
}

// loadRejoin takes up a pending rejoin of this session. One of another
// session is stale (that session is over for this computer): its entry
// and record go.
func (s *Support) loadRejoin() {
	rec, err := s.state.rejoinRecord()
	switch {
	case err != nil:
		s.log.Warn("rejoin record unreadable; removing it", "err", err)
		s.state.forgetRejoin()
	case rec != nil && rec.SessionID != s.cfg.SessionID:
		s.log.Info("removing the rejoin entry of another session", "session", rec.SessionID)
		s.disarmRejoin()
	case rec != nil:
		s.rejoinMu.Lock()
		s.rejoin = rec
		s.rejoinMu.Unlock()
	case s.o.Rejoin:
		s.log.Info("started to rejoin after a restart, but none is pending; running as usual")
	}
}

// rejoinPending reports whether this app is back from a reboot and has
// not rejoined yet.
func (s *Support) rejoinPending() bool {
	s.rejoinMu.Lock()
	defer s.rejoinMu.Unlock()
	return s.rejoin != nil
}

// takeRejoin ends the pending rejoin once the site took the app back: the
// logon entry and the record are removed. It returns the record (nil when
// none was pending).
func (s *Support) takeRejoin() *rejoinRecord {
	s.rejoinMu.Lock()
	rec := s.rejoin
	s.rejoin = nil
	s.rejoinMu.Unlock()
	if rec == nil {
		return nil
	}
	if err := s.disarmRejoin(); err != nil {
		s.log.Warn("remove the rejoin entry", "err", err)
	}
	return rec
}

func (s *State) rejoinRecord() (*rejoinRecord, error) {
	return loadRecord[rejoinRecord](s, rejoinFile, "rejoin record")
}

func (s *State) saveRejoin(m *rejoinRecord) error { return s.saveRecord(rejoinFile, m) }

func (s *State) forgetRejoin() error { return s.forgetRecord(rejoinFile, "rejoin record") }
