package recording

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tetherhq/tether/internal/clock"
)

// Options configure a Manager. Zero values take the defaults.
type Options struct {
	// Dir holds the files, <session>.trec, 0600 in a 0700 directory.
	Dir string
	// Clock is the site's: a closed file's time is set from it, and
	// retention compares against it (record times use the monotonic
	// clock instead, so they never jump).
	Clock clock.Clock
	// Retention removes files last written longer ago (Reap); 0 keeps
	// them forever.
	Retention time.Duration
	// QueueBytes bounds the records of one session waiting for the disk
	// (default 16 MiB): past it records are dropped and a gap is marked.
	QueueBytes int
	// KeyframeEvery and KeyframeBytes decide when a view is asked for a
	// full frame (Stream; default 30 s and 256 KiB).
	KeyframeEvery time.Duration
	KeyframeBytes int64
	// OnGap and OnError report dropped records and disk errors (the site
	// logs and audits them); they run on the session's writer goroutine.
	OnGap   func(session string, g Gap)
	OnError func(session string, err error)

	wrap func(io.Writer) io.Writer // tests: a slow or failing disk
}

// Manager owns the recordings of a site: it opens a Session per recorded
// support session (one file, appended to by every part of the session),
// answers for the files, and removes old ones.
type Manager struct {
	o       Options
	mu      sync.Mutex
	open    map[string]*Session
	closing map[string]chan struct{} // parts still writing their index
	closed  bool
	wg      sync.WaitGroup
}

// New creates the directory and returns a Manager.
func New(o Options) (*Manager, error) {
	if o.Dir == "" {
		return nil, errors.New("recording: no directory")
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	removeScratch(o.Dir)
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.QueueBytes <= 0 {
		o.QueueBytes = 16 << 20
	}
	if o.KeyframeEvery <= 0 {
		o.KeyframeEvery = 30 * time.Second
	}
	if o.KeyframeBytes <= 0 {
		o.KeyframeBytes = 256 << 10
	}
	if o.OnGap == nil {
		o.OnGap = func(string, Gap) {}
	}
	if o.OnError == nil {
		o.OnError = func(string, error) {}
	}
	return &Manager{o: o, open: map[string]*Session{}, closing: map[string]chan struct{}{}}, nil
}

// validID keeps session IDs that come from URLs out of path tricks.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Path is the file of a session's recording ("" for an ID that cannot be
// one).
func (m *Manager) Path(session string) string {
	if !validID(session) {
		return ""
	}
	return filepath.Join(m.o.Dir, session+".trec")
}

// Open returns the session's recorder, starting it when no stream or event
// holds it; every Open needs a Release. Meta.Started is set here. Nil
// (which records nothing) once the Manager is closed or for a bad ID.
func (m *Manager) Open(meta Meta) *Session {
	if m == nil || !validID(meta.Session) {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	if s := m.open[meta.Session]; s != nil {
		s.users++
		return s
	}
	meta.Started = time.Now().UTC().Truncate(time.Millisecond)
	s := newSession(m, meta)
	s.users = 1
	m.open[meta.Session] = s
	prev := m.closing[meta.Session]
	m.wg.Add(1)
	go s.run(prev)
	return s
}

func (m *Manager) release(s *Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s.users--; s.users > 0 {
		return
	}
	m.stopLocked(s)
}

// stopLocked tells s's writer to finish (m.mu held): it leaves the open
// sessions and, unless its writer already gave up (a disk error), counts
// as closing until the writer has written the index.
func (m *Manager) stopLocked(s *Session) {
	delete(m.open, s.id)
	select {
	case <-s.done:
	default:
		m.closing[s.id] = s.done
	}
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.signal()
}

// finished runs when a session's writer goroutine ends.
func (m *Manager) finished(s *Session) {
	m.mu.Lock()
	if m.closing[s.id] == s.done {
		delete(m.closing, s.id)
	}
	close(s.done)
	m.mu.Unlock()
	m.wg.Done()
}

// Event records one chat or file event: it opens the session's recorder
// for it when no stream holds it open.
func (m *Manager) Event(meta Meta, record func(*Session)) {
	s := m.Open(meta)
	if s == nil {
		return
	}
	record(s)
	s.Release()
}

// Active reports whether a session's file is being written.
func (m *Manager) Active(session string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, open := m.open[session]
	_, closing := m.closing[session]
	return open || closing
}

// Close stops every recording (the site is stopping): queued records are
// written, each file gets its index, and Close waits for that until ctx
// ends. Later Opens return nil.
func (m *Manager) Close(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	for _, s := range m.open {
		m.stopLocked(s)
	}
	m.mu.Unlock()
	done := make(chan struct{})
	go func() { m.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("recording: closing files: %w", ctx.Err())
	}
}
