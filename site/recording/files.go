package recording

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"
)

// Info describes a session's recording: one file, or (Add) the files of
// every node that recorded part of the session.
type Info struct {
	// Size is the bytes of the files together.
	Size int64 `json:"size"`
	// Started is when the recording began (the earliest file's header).
	Started time.Time `json:"started_at"`
	// Updated is when a file was last written; retention counts from it.
	Updated time.Time `json:"updated_at"`
	// Active: a stream or event is being recorded into one right now.
	Active bool `json:"active"`
	// Parts is the number of files: more than one when the session's
	// agent moved between the nodes of a cluster.
	Parts int `json:"parts"`
	// Unanswered lists the nodes that did not say in time whether they
	// hold a part: the recording may be more than this says.
	Unanswered []string `json:"unanswered_nodes,omitempty"`
}

// Add folds another part of the same session's recording into in.
func (in Info) Add(o Info) Info {
	if in.Started.IsZero() || !o.Started.IsZero() && o.Started.Before(in.Started) {
		in.Started = o.Started
	}
	if o.Updated.After(in.Updated) {
		in.Updated = o.Updated
	}
	in.Size += o.Size
	in.Active = in.Active || o.Active
	in.Parts += max(o.Parts, 1) // a node from before parts were counted
	return in
}

// Stat describes a session's recording from the file system alone (for
// lists); fs.ErrNotExist when there is none.
func (m *Manager) Stat(session string) (Info, error) {
	p := m.Path(session)
	if p == "" {
		return Info{}, fs.ErrNotExist
	}
	st, err := os.Stat(p)
	if err != nil {
		return Info{}, err
	}
	return m.fileInfo(session, st), nil
}

// OpenFile opens a session's recording file for reading and describes it
// from the file system as Stat does; fs.ErrNotExist when there is none.
// A recording still being written is read as far as it is on disk now.
func (m *Manager) OpenFile(session string) (*os.File, Info, error) {
	p := m.Path(session)
	if p == "" {
		return nil, Info{}, fs.ErrNotExist
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, Info{}, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Info{}, err
	}
	return f, m.fileInfo(session, st), nil
}

func (m *Manager) fileInfo(session string, st os.FileInfo) Info {
	return Info{Size: st.Size(), Updated: st.ModTime().UTC(), Active: m.Active(session), Parts: 1}
}

// Info is Stat with the start time from the file's header (the index is
// not read: a session view asks for this). When the header cannot be read
// (yet), in still has what Stat says, with the error.
func (m *Manager) Info(session string) (Info, error) {
	f, in, err := m.OpenFile(session)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	rd, err := readHeader(f, in.Size)
	if err != nil {
		return in, err
	}
	in.Started = rd.Meta.Started
	return in, nil
}

// Reap removes the recordings last written more than Retention ago on the
// site's clock (never one being written) and returns their sessions.
func (m *Manager) Reap() ([]string, error) {
	if m == nil || m.o.Retention <= 0 {
		return nil, nil
	}
	entries, err := os.ReadDir(m.o.Dir)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	cutoff := m.o.Clock.Now().Add(-m.o.Retention)
	var removed []string
	var errs []error
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".trec")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		gone, err := m.reapOne(id, cutoff)
		if err != nil {
			errs = append(errs, err)
		}
		if gone {
			removed = append(removed, id)
		}
	}
	return removed, errors.Join(errs...)
}

// reapOne removes one old file; the lock keeps a new part of the session
// from opening it meanwhile.
func (m *Manager) reapOne(id string, cutoff time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.open[id] != nil || m.closing[id] != nil {
		return false, nil
	}
	p := m.Path(id)
	if p == "" {
		return false, nil
	}
	st, err := os.Stat(p)
	if err != nil || !st.ModTime().Before(cutoff) {
		return false, nil
	}
	if err := os.Remove(p); err != nil {
		return false, fmt.Errorf("recording: %w", err)
	}
	return true, nil
}

// ParseRetention reads a retention period: a number of days ("90d"), any
// Go duration ("36h"), or "0" (keep forever).
func ParseRetention(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(d, 64)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("retention %q: want days (90d), a duration (36h) or 0", s)
		}
		return time.Duration(n * 24 * float64(time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("retention %q: want days (90d), a duration (36h) or 0", s)
	}
	return d, nil
}

// FormatRetention is ParseRetention's inverse for whole days.
func FormatRetention(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	if d == 0 {
		return "0"
	}
	return d.String()
}
