package metrics

import (
	"context"
	"errors"
	"reflect"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// Store times every call of the store it wraps (tether_store_duration_seconds)
// and counts the failures that are the database's, not the caller's
// (tether_store_errors_total: not-found, conflicts and the product errors
// that limit checks return are answers, not failures). The observers are
// resolved once per method, so a call costs a time.Now pair and an atomic
// histogram update.
type Store struct {
	st     store.Store
	timers map[string]prometheus.Observer
	errs   map[string]prometheus.Counter
}

var _ store.Store = (*Store)(nil)

// Instrument wraps st.
func (m *Metrics) Instrument(st store.Store) *Store {
	s := &Store{st: st, timers: map[string]prometheus.Observer{}, errs: map[string]prometheus.Counter{}}
	for _, name := range storeMethods {
		s.timers[name] = m.storeTime.WithLabelValues(name)
		s.errs[name] = m.storeErrors.WithLabelValues(name)
	}
	return s
}

func (s *Store) time(method string, start time.Time) {
	s.timers[method].Observe(time.Since(start).Seconds())
}

func (s *Store) failed(method string, err error) error {
	var we *wire.Error
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) && !errors.As(err, &we) {
		s.errs[method].Inc()
	}
	return err
}

// Close closes the wrapped store.
func (s *Store) Close() error { return s.st.Close() }

// Unwrap returns the wrapped store.
func (s *Store) Unwrap() store.Store { return s.st }

func (s *Store) AddUser(ctx context.Context, u *store.User) error {
	defer s.time("AddUser", time.Now())
	return s.failed("AddUser", s.st.AddUser(ctx, u))
}

func (s *Store) UserByName(ctx context.Context, name string) (*store.User, error) {
	defer s.time("UserByName", time.Now())
	v, err := s.st.UserByName(ctx, name)
	return v, s.failed("UserByName", err)
}

func (s *Store) UserByID(ctx context.Context, id int64) (*store.User, error) {
	defer s.time("UserByID", time.Now())
	v, err := s.st.UserByID(ctx, id)
	return v, s.failed("UserByID", err)
}

func (s *Store) CountUsers(ctx context.Context) (int, error) {
	defer s.time("CountUsers", time.Now())
	v, err := s.st.CountUsers(ctx)
	return v, s.failed("CountUsers", err)
}

func (s *Store) SetUserPassword(ctx context.Context, userID int64, passHash string) error {
	defer s.time("SetUserPassword", time.Now())
	return s.failed("SetUserPassword", s.st.SetUserPassword(ctx, userID, passHash))
}

func (s *Store) SetUserDisabled(ctx context.Context, userID int64, disabled bool) error {
	defer s.time("SetUserDisabled", time.Now())
	return s.failed("SetUserDisabled", s.st.SetUserDisabled(ctx, userID, disabled))
}

func (s *Store) AddToken(ctx context.Context, t *store.Token) error {
	defer s.time("AddToken", time.Now())
	return s.failed("AddToken", s.st.AddToken(ctx, t))
}

func (s *Store) UserByTokenHash(ctx context.Context, hash []byte) (*store.User, error) {
	defer s.time("UserByTokenHash", time.Now())
	v, err := s.st.UserByTokenHash(ctx, hash)
	return v, s.failed("UserByTokenHash", err)
}

func (s *Store) ListTokens(ctx context.Context, userID int64) ([]*store.Token, error) {
	defer s.time("ListTokens", time.Now())
	v, err := s.st.ListTokens(ctx, userID)
	return v, s.failed("ListTokens", err)
}

func (s *Store) Token(ctx context.Context, id int64) (*store.Token, error) {
	defer s.time("Token", time.Now())
	v, err := s.st.Token(ctx, id)
	return v, s.failed("Token", err)
}

func (s *Store) DeleteToken(ctx context.Context, id int64) error {
	defer s.time("DeleteToken", time.Now())
	return s.failed("DeleteToken", s.st.DeleteToken(ctx, id))
}

func (s *Store) AddLogin(ctx context.Context, l *store.Login) error {
	defer s.time("AddLogin", time.Now())
	return s.failed("AddLogin", s.st.AddLogin(ctx, l))
}

func (s *Store) LoginByHash(ctx context.Context, hash []byte) (*store.Login, error) {
	defer s.time("LoginByHash", time.Now())
	v, err := s.st.LoginByHash(ctx, hash)
	return v, s.failed("LoginByHash", err)
}

func (s *Store) DeleteLogin(ctx context.Context, hash []byte) error {
	defer s.time("DeleteLogin", time.Now())
	return s.failed("DeleteLogin", s.st.DeleteLogin(ctx, hash))
}

func (s *Store) CreateSession(ctx context.Context, ss *store.Session, perTech, perSite int) error {
	defer s.time("CreateSession", time.Now())
	return s.failed("CreateSession", s.st.CreateSession(ctx, ss, perTech, perSite))
}

func (s *Store) Session(ctx context.Context, id string) (*store.Session, error) {
	defer s.time("Session", time.Now())
	v, err := s.st.Session(ctx, id)
	return v, s.failed("Session", err)
}

func (s *Store) SessionByCode(ctx context.Context, code string) (*store.Session, error) {
	defer s.time("SessionByCode", time.Now())
	v, err := s.st.SessionByCode(ctx, code)
	return v, s.failed("SessionByCode", err)
}

func (s *Store) ListSessions(ctx context.Context, technicianID int64, includeEnded bool) ([]*store.Session, error) {
	defer s.time("ListSessions", time.Now())
	v, err := s.st.ListSessions(ctx, technicianID, includeEnded)
	return v, s.failed("ListSessions", err)
}

func (s *Store) UpdateSession(ctx context.Context, id string, fn store.SessionUpdate) (*store.Session, error) {
	defer s.time("UpdateSession", time.Now())
	v, err := s.st.UpdateSession(ctx, id, fn)
	return v, s.failed("UpdateSession", err)
}

func (s *Store) DueSessions(ctx context.Context, now time.Time) ([]string, error) {
	defer s.time("DueSessions", time.Now())
	v, err := s.st.DueSessions(ctx, now)
	return v, s.failed("DueSessions", err)
}

func (s *Store) CountSessions(ctx context.Context) (map[wire.SessionStatus]int, error) {
	defer s.time("CountSessions", time.Now())
	v, err := s.st.CountSessions(ctx)
	return v, s.failed("CountSessions", err)
}

func (s *Store) SetUserAccess(ctx context.Context, userID int64, teams []string, seePersonal bool) error {
	defer s.time("SetUserAccess", time.Now())
	return s.failed("SetUserAccess", s.st.SetUserAccess(ctx, userID, teams, seePersonal))
}

func (s *Store) Teams(ctx context.Context) (map[string][]string, error) {
	defer s.time("Teams", time.Now())
	v, err := s.st.Teams(ctx)
	return v, s.failed("Teams", err)
}

func (s *Store) CreateInstaller(ctx context.Context, in *store.Installer) error {
	defer s.time("CreateInstaller", time.Now())
	return s.failed("CreateInstaller", s.st.CreateInstaller(ctx, in))
}

func (s *Store) Installer(ctx context.Context, id string) (*store.Installer, error) {
	defer s.time("Installer", time.Now())
	v, err := s.st.Installer(ctx, id)
	return v, s.failed("Installer", err)
}

func (s *Store) PinInstaller(ctx context.Context, sessionID string) (*store.Installer, error) {
	defer s.time("PinInstaller", time.Now())
	v, err := s.st.PinInstaller(ctx, sessionID)
	return v, s.failed("PinInstaller", err)
}

func (s *Store) InstallerJumpClients(ctx context.Context, installerID string) ([]string, error) {
	defer s.time("InstallerJumpClients", time.Now())
	v, err := s.st.InstallerJumpClients(ctx, installerID)
	return v, s.failed("InstallerJumpClients", err)
}

func (s *Store) CreateJumpClient(ctx context.Context, jc *store.JumpClient) error {
	defer s.time("CreateJumpClient", time.Now())
	return s.failed("CreateJumpClient", s.st.CreateJumpClient(ctx, jc))
}

func (s *Store) JumpClient(ctx context.Context, id string) (*store.JumpClient, error) {
	defer s.time("JumpClient", time.Now())
	v, err := s.st.JumpClient(ctx, id)
	return v, s.failed("JumpClient", err)
}

func (s *Store) CountJumpClients(ctx context.Context) (int, error) {
	defer s.time("CountJumpClients", time.Now())
	v, err := s.st.CountJumpClients(ctx)
	return v, s.failed("CountJumpClients", err)
}

func (s *Store) CountActiveJumpClients(ctx context.Context) (int, error) {
	defer s.time("CountActiveJumpClients", time.Now())
	v, err := s.st.CountActiveJumpClients(ctx)
	return v, s.failed("CountActiveJumpClients", err)
}

func (s *Store) StaleJumpClients(ctx context.Context, before time.Time) ([]string, error) {
	defer s.time("StaleJumpClients", time.Now())
	v, err := s.st.StaleJumpClients(ctx, before)
	return v, s.failed("StaleJumpClients", err)
}

func (s *Store) ListJumpClients(ctx context.Context) ([]*store.JumpClient, error) {
	defer s.time("ListJumpClients", time.Now())
	v, err := s.st.ListJumpClients(ctx)
	return v, s.failed("ListJumpClients", err)
}

func (s *Store) UpdateJumpClient(ctx context.Context, id string, fn func(*store.JumpClient) error) (*store.JumpClient, error) {
	defer s.time("UpdateJumpClient", time.Now())
	v, err := s.st.UpdateJumpClient(ctx, id, fn)
	return v, s.failed("UpdateJumpClient", err)
}

func (s *Store) Audit(ctx context.Context, e *store.AuditEntry) error {
	defer s.time("Audit", time.Now())
	return s.failed("Audit", s.st.Audit(ctx, e))
}

func (s *Store) AuditLog(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error) {
	defer s.time("AuditLog", time.Now())
	v, err := s.st.AuditLog(ctx, q)
	return v, s.failed("AuditLog", err)
}

func (s *Store) AddChat(ctx context.Context, m *store.ChatMessage) error {
	defer s.time("AddChat", time.Now())
	return s.failed("AddChat", s.st.AddChat(ctx, m))
}

func (s *Store) Chat(ctx context.Context, sessionID string, since int64, limit int) ([]store.ChatMessage, error) {
	defer s.time("Chat", time.Now())
	v, err := s.st.Chat(ctx, sessionID, since, limit)
	return v, s.failed("Chat", err)
}

func (s *Store) RebootingSessions(ctx context.Context) ([]*store.Session, error) {
	defer s.time("RebootingSessions", time.Now())
	v, err := s.st.RebootingSessions(ctx)
	return v, s.failed("RebootingSessions", err)
}

func (s *Store) Ping(ctx context.Context) error {
	defer s.time("Ping", time.Now())
	return s.failed("Ping", s.st.Ping(ctx))
}

// storeMethods are the methods timed, for resolving the observers once:
// every method of store.Store but Close, so a method added there cannot
// be missed here (the conformance suite runs through this wrapper).
var storeMethods = func() []string {
	t := reflect.TypeFor[store.Store]()
	var names []string
	for i := range t.NumMethod() {
		if n := t.Method(i).Name; n != "Close" {
			names = append(names, n)
		}
	}
	return names
}()
