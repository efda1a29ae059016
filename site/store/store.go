// Package store keeps the site's state. Store is the interface the site
// codes against; SQLite (modernc.org/sqlite, pure Go) implements it so that
// `tether-site serve` needs no other service, and PostgreSQL (pgx, pure Go)
// implements it for sites that share one database. Both pass the same
// conformance suite (storetest), and Copy moves a site between them.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tetherhq/tether/wire"
)

// ErrNotFound is returned when a row does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a unique value is taken (user name, live
// session code).
var ErrConflict = errors.New("store: conflict")

// ErrLastAdmin is returned by SetUserDisabled for the last enabled admin:
// nobody could then administer the site through its API. It is an
// ErrConflict.
var ErrLastAdmin = fmt.Errorf("%w: the last enabled admin", ErrConflict)

// ErrSchemaTooNew is returned by the Open functions when the database was
// migrated by a newer build: running an older build against it could lose
// or misread data, so it refuses to start.
var ErrSchemaTooNew = errors.New("store: database schema is newer than this build")

// User is a technician or admin.
type User struct {
	ID        int64
	Name      string
	PassHash  string
	Admin     bool
	CreatedAt time.Time
	// SeePersonalGroups lets a technician see other technicians' personal
	// jump groups (C10).
	SeePersonalGroups bool
	Teams             []string // team jump groups the user belongs to
	// Disabled users keep their name in the history (sessions, audit,
	// jump clients, personal groups) but may not log in or use the API.
	Disabled bool
}

// Token is an API bearer token; only its hash is stored.
type Token struct {
	ID        int64
	UserID    int64
	Name      string
	Hash      []byte
	CreatedAt time.Time
	UserName  string // filled on reads
}

// Login is a console login (cookie); only the cookie's hash is stored.
type Login struct {
	Hash      []byte
	UserID    int64
	CSRF      string
	ExpiresAt time.Time
}

// Session is an ad hoc support session (SPEC A).
type Session struct {
	ID            string
	Code          string
	TechnicianID  int64
	Technician    string // user name, filled on reads
	CustomerName  string
	CustomerEmail string
	PasswordHash  string // access password the technician types to connect
	SecurityHash  []byte // HMAC of the security code; the code itself is never stored
	Status        wire.SessionStatus
	CreatedAt     time.Time
	ExpiresAt     time.Time // before activation: use-by; after: the auto-end time
	DownloadedAt  time.Time
	ActivatedAt   time.Time
	EndedAt       time.Time
	EmailSentAt   time.Time
	Identity      []byte // the bound computer's ed25519 public key
	Computer      string // host name reported by the bound computer
	Host          wire.HostInfo
	Platform      string
	RemoteAddr    string
	LastOnline    time.Time
	OnlineSince   time.Time // zero while offline
	FailedCodes   int
	Locked        bool
	JumpClientID  string
	// RebootStartedAt is when the computer began to reboot (B1): set with
	// status rebooting, zero otherwise; the session expires when the
	// computer is not back within the site's reboot timeout (B4).
	RebootStartedAt time.Time
	RebootSafeMode  bool // the reboot goes into Safe Mode with networking (B2)
}

// Live reports whether the session has not ended.
func (s *Session) Live() bool { return !s.Status.Ended() }

// Installer is a jump-client installer an admin created (C2): many
// computers may install from it until it expires. Only the hash of its key
// (KEY_INFO) is stored.
type Installer struct {
	ID        string
	KeyHash   []byte
	Platform  string
	JumpGroup string
	Tag       string
	Comments  string
	Mode      wire.AgentMode
	Passive   bool // its clients only check in (C9)
	CreatedBy int64
	CreatedAt time.Time
	ExpiresAt time.Time
	// PinSession makes this a single-use installer for "Pin as Jump
	// Client" (C2): only that session's computer may enrol with it, once.
	PinSession string
	PinName    string
	// Package is what the download URL serves (SPEC G): bin, deb, rpm
	// (Linux), msi, exe (Windows) or pkg (macOS). Empty in installers
	// made before packages existed: the platform's default.
	Package string
}

// JumpClient is an installed persistent agent (SPEC C).
type JumpClient struct {
	ID          string
	Identity    []byte
	InstallerID string
	Name        string
	JumpGroup   string
	Tag         string
	Comments    string
	Mode        string
	Host        wire.HostInfo
	PublicIP    string
	Version     string
	Disabled    bool
	Removed     bool
	Passive     bool // checks in periodically instead of staying connected (C9)
	Uninstalled bool // uninstalled by hand: listed, unreachable (C8)
	CreatedAt   time.Time
	LastSeen    time.Time
}

// AuditEntry is one line of the audit log (D5).
type AuditEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	Event      string    `json:"event"`
	SessionID  string    `json:"session_id,omitempty"`
	JumpClient string    `json:"jump_client_id,omitempty"`
	Actor      string    `json:"actor"`
	RemoteAddr string    `json:"remote_addr,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

// ChatMessage is one line of a session's chat (D3).
type ChatMessage struct {
	ID        int64     `json:"id"`
	SessionID string    `json:"-"`
	From      string    `json:"from"` // "technician" or "customer"
	Name      string    `json:"name"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
}

// AuditQuery filters the audit log; every set field narrows it.
type AuditQuery struct {
	SessionID string
	Since     time.Time // inclusive
	Until     time.Time // exclusive; zero: no end
	// Events keeps entries of these events.
	Events []string
	// Technician keeps what the user (by name) did and what happened in
	// the user's sessions.
	Technician string
	// JumpClient keeps the jump client's own entries and its sessions'.
	JumpClient string
	// AfterID keeps entries after this ID: the next page after an answer
	// that ended at it.
	AfterID int64
	Limit   int // 1000 when ≤ 0, at most 5000
}

// SessionUpdate changes a session inside a transaction: fn sees the current
// row and mutates it; returning an error aborts without writing.
type SessionUpdate func(s *Session) error

// Store is everything the site persists.
//
// Adding a method means: the SQLite method (*_sqlite.go), the PostgreSQL
// one (*_postgres.go), and a case in storetest that both must pass. A new
// column also goes into both migration lists (migrations.go,
// migrations_postgres.go) and copyTables (migrate.go); TestCopyCoversSchema
// fails until it does.
type Store interface {
	AddUser(ctx context.Context, u *User) error
	UserByName(ctx context.Context, name string) (*User, error)
	UserByID(ctx context.Context, id int64) (*User, error)
	CountUsers(ctx context.Context) (int, error)
	// SetUserPassword replaces a user's password hash and, in the same
	// transaction, deletes the user's console logins, so a changed password
	// logs out everywhere (ErrNotFound when there is no such user).
	SetUserPassword(ctx context.Context, userID int64, passHash string) error
	// SetUserDisabled disables or enables a user. Disabling deletes, in the
	// same transaction, the user's console logins and API tokens, so no
	// credential of theirs works; enabling brings none back. It refuses
	// (ErrLastAdmin) to disable an admin when no other enabled admin
	// remains, and returns ErrNotFound when there is no such user.
	SetUserDisabled(ctx context.Context, userID int64, disabled bool) error

	AddToken(ctx context.Context, t *Token) error
	UserByTokenHash(ctx context.Context, hash []byte) (*User, error)
	// ListTokens lists the tokens of userID (every user's when 0), oldest
	// first, without their hashes.
	ListTokens(ctx context.Context, userID int64) ([]*Token, error)
	// Token returns one token (without its hash).
	Token(ctx context.Context, id int64) (*Token, error)
	// DeleteToken revokes a token (ErrNotFound when there is none).
	DeleteToken(ctx context.Context, id int64) error

	AddLogin(ctx context.Context, l *Login) error
	LoginByHash(ctx context.Context, hash []byte) (*Login, error)
	DeleteLogin(ctx context.Context, hash []byte) error

	// CreateSession inserts s, enforcing that its code is unique among live
	// sessions (ErrConflict) and the limits: at most perTech live sessions
	// for s.TechnicianID and perSite in all (wire.LimitTechnician /
	// wire.LimitSite errors). A limit ≤ 0 means unlimited.
	CreateSession(ctx context.Context, s *Session, perTech, perSite int) error
	Session(ctx context.Context, id string) (*Session, error)
	// SessionByCode returns the live session with that code, or else the
	// most recent ended one.
	SessionByCode(ctx context.Context, code string) (*Session, error)
	ListSessions(ctx context.Context, technicianID int64, includeEnded bool) ([]*Session, error)
	UpdateSession(ctx context.Context, id string, fn SessionUpdate) (*Session, error)
	// DueSessions lists live sessions whose ExpiresAt is not after now.
	DueSessions(ctx context.Context, now time.Time) ([]string, error)
	// CountSessions counts sessions by status; statuses without sessions
	// are absent (metrics: sessions by state).
	CountSessions(ctx context.Context) (map[wire.SessionStatus]int, error)
	// RebootingSessions lists the live sessions in status rebooting (B1).
	RebootingSessions(ctx context.Context) ([]*Session, error)

	// SetUserAccess replaces a user's teams and personal-group permission.
	SetUserAccess(ctx context.Context, userID int64, teams []string, seePersonal bool) error
	// Teams lists every team with its members' names.
	Teams(ctx context.Context) (map[string][]string, error)

	CreateInstaller(ctx context.Context, in *Installer) error
	Installer(ctx context.Context, id string) (*Installer, error)
	// PinInstaller returns the single-use installer of a session's pin.
	PinInstaller(ctx context.Context, sessionID string) (*Installer, error)
	// InstallerJumpClients lists the jump clients enrolled with an installer.
	InstallerJumpClients(ctx context.Context, installerID string) ([]string, error)

	CreateJumpClient(ctx context.Context, jc *JumpClient) error
	JumpClient(ctx context.Context, id string) (*JumpClient, error)
	// CountJumpClients counts jump clients that were not removed.
	CountJumpClients(ctx context.Context) (int, error)
	// CountActiveJumpClients counts jump clients that were not removed and
	// are not passive (C11 jc_limit_active).
	CountActiveJumpClients(ctx context.Context) (int, error)
	// StaleJumpClients lists jump clients not removed and not seen since before.
	StaleJumpClients(ctx context.Context, before time.Time) ([]string, error)
	// ListJumpClients lists jump clients that were not removed.
	ListJumpClients(ctx context.Context) ([]*JumpClient, error)
	UpdateJumpClient(ctx context.Context, id string, fn func(*JumpClient) error) (*JumpClient, error)

	Audit(ctx context.Context, e *AuditEntry) error
	AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error)

	// AddChat stores a chat message and sets its ID (increasing).
	AddChat(ctx context.Context, m *ChatMessage) error
	// Chat lists a session's messages with an ID above since, oldest
	// first, at most limit (1000 when ≤ 0).
	Chat(ctx context.Context, sessionID string, since int64, limit int) ([]ChatMessage, error)

	// Ping checks that the database answers (the site's /readyz).
	Ping(ctx context.Context) error
	Close() error
}
