package store_test

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// siteData is what fillSite wrote: the keys to read it all back by.
type siteData struct {
	userIDs    []int64
	tokens     [][]byte
	logins     [][]byte
	sessions   []string
	codes      []string
	installers []string
	jumps      []string
}

// wantCounts is the row count per table fillSite writes.
var wantCounts = store.Counts{
	"users": 3, "tokens": 2, "logins": 2, "team_members": 3, "sessions": 5,
	"installers": 3, "jump_clients": 3, "audit": 6, "chat_messages": 2,
}

func when(sec int64) time.Time { return time.Unix(1_760_000_000+sec, 987_654_321).UTC() }

func hash(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

// fillSite writes a small but complete site through the Store API: every
// table, every column set, sessions in every kind of state.
func fillSite(t *testing.T, s store.Store) siteData {
	t.Helper()
	ctx := t.Context()
	var d siteData
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var users []*store.User
	for i, name := range []string{"admin", "ann", "Ben"} {
		u := &store.User{Name: name, PassHash: "$argon2id$v=19$m=65536,t=3,p=4$" + name, Admin: i == 0, CreatedAt: when(int64(i))}
		check(s.AddUser(ctx, u))
		users = append(users, u)
		d.userIDs = append(d.userIDs, u.ID)
	}
	check(s.SetUserAccess(ctx, users[1].ID, []string{"support", "Servers"}, true))
	check(s.SetUserAccess(ctx, users[2].ID, []string{"support"}, false))
	for i, u := range users[:2] {
		tok := &store.Token{UserID: u.ID, Name: "api-" + u.Name, Hash: hash("token" + u.Name), CreatedAt: when(10 + int64(i))}
		check(s.AddToken(ctx, tok))
		d.tokens = append(d.tokens, tok.Hash)
		l := &store.Login{Hash: hash("cookie" + u.Name), UserID: u.ID, CSRF: "csrf-" + u.Name, ExpiresAt: when(86400)}
		check(s.AddLogin(ctx, l))
		d.logins = append(d.logins, l.Hash)
	}

	// Sessions: created, connected with a bound computer, ended, a jump
	// session, and an ended one whose code was reused.
	for i, tech := range []*store.User{users[1], users[1], users[2], users[2], users[1]} {
		id := fmt.Sprintf("sess-%d", i)
		code := fmt.Sprintf("%06d", 100000+i%4) // sess-4 reuses sess-0's code
		ss := &store.Session{
			ID: id, Code: code, TechnicianID: tech.ID, CustomerName: "Customer " + id,
			CustomerEmail: id + "@example.com", PasswordHash: "$argon2id$" + id, SecurityHash: hash("sec" + id),
			Status: wire.StatusCreated, CreatedAt: when(100 + int64(i)), ExpiresAt: when(3700 + int64(i)),
		}
		if i == 3 {
			ss.JumpClientID, ss.Computer, ss.Status, ss.ActivatedAt = "jc-0", "SRV-01", wire.StatusActivated, when(103)
		}
		if i == 4 {
			endSession(t, s, "sess-0", when(104))
		}
		check(s.CreateSession(ctx, ss, 5, 10))
		d.sessions = append(d.sessions, id)
		d.codes = append(d.codes, code)
	}
	_, err := s.UpdateSession(ctx, "sess-1", func(ss *store.Session) error {
		ss.Status, ss.DownloadedAt, ss.ActivatedAt, ss.EmailSentAt = wire.StatusConnected, when(110), when(111), when(101)
		ss.Identity, ss.Computer, ss.Platform, ss.RemoteAddr = hash("ed25519"), "DESKTOP-7", "windows/amd64", "203.0.113.5:51000"
		ss.Host = wire.HostInfo{Hostname: "DESKTOP-7", OS: "windows", Arch: "amd64", ConsoleUser: "ada", BootTime: when(-3600), HasDisplay: true}
		ss.LastOnline, ss.OnlineSince, ss.FailedCodes, ss.ExpiresAt = when(200), when(111), 2, when(7300)
		return nil
	})
	check(err)
	_, err = s.UpdateSession(ctx, "sess-2", func(ss *store.Session) error {
		ss.Status, ss.EndedAt, ss.Locked, ss.FailedCodes = wire.StatusExpired, when(3702), true, 5
		return nil
	})
	check(err)

	for i, id := range []string{"inst-0", "inst-1", "pin-0"} {
		in := &store.Installer{
			ID: id, KeyHash: hash("key" + id), Platform: "linux-amd64", JumpGroup: "team:support", Tag: "lab",
			Comments: "batch " + id, Mode: wire.ModeService, CreatedBy: users[0].ID,
			CreatedAt: when(300 + int64(i)), ExpiresAt: when(90000), Passive: i == 1,
		}
		if id == "pin-0" {
			in.PinSession, in.PinName, in.Mode = "sess-1", "Ada's desktop", wire.ModeUser
		}
		check(s.CreateInstaller(ctx, in))
		d.installers = append(d.installers, id)
	}
	for i, id := range []string{"jc-0", "jc-1", "jc-2"} {
		jc := &store.JumpClient{
			ID: id, Identity: hash("identity" + id), InstallerID: "inst-0", Name: "Server " + id,
			JumpGroup: "team:support", Mode: string(wire.ModeService), PublicIP: "198.51.100.7",
			Host:    wire.HostInfo{Hostname: id, OS: "linux", Arch: "arm64", Service: true},
			Version: "1.4.0", CreatedAt: when(400 + int64(i)), LastSeen: when(500 + int64(i)), Passive: i == 2,
		}
		check(s.CreateJumpClient(ctx, jc))
		d.jumps = append(d.jumps, id)
	}
	_, err = s.UpdateJumpClient(ctx, "jc-1", func(jc *store.JumpClient) error {
		jc.Disabled, jc.Uninstalled, jc.Comments, jc.Tag = true, true, "uninstalled by hand", "retired"
		return nil
	})
	check(err)
	_, err = s.UpdateJumpClient(ctx, "jc-2", func(jc *store.JumpClient) error { jc.Removed = true; return nil })
	check(err)

	for i, e := range []store.AuditEntry{
		{Event: "user.login", Actor: "ann", RemoteAddr: "192.0.2.1"},
		{Event: "session.create", SessionID: "sess-0", Actor: "ann"},
		{Event: "session.activate", SessionID: "sess-1", Actor: "customer", Detail: "security code ok"},
		{Event: "jump.enrol", JumpClient: "jc-0", Actor: "installer inst-0"},
		{Event: "session.end", SessionID: "sess-0", Actor: "ann", Detail: "closed"},
		{Event: "jump.uninstall", JumpClient: "jc-1", Actor: "admin"},
	} {
		e.At = when(600 + int64(i%3)) // out of order on purpose: the log is in ID order
		check(s.Audit(ctx, &e))
	}
	for i, m := range []store.ChatMessage{
		{SessionID: "sess-1", From: "technician", Name: "ann", Text: "Hello ✓"},
		{SessionID: "sess-1", From: "customer", Text: "hi\nthere"},
	} {
		m.At = when(700 + int64(i))
		check(s.AddChat(ctx, &m))
	}
	return d
}

func endSession(t *testing.T, s store.Store, id string, at time.Time) {
	t.Helper()
	_, err := s.UpdateSession(t.Context(), id, func(ss *store.Session) error {
		ss.Status, ss.EndedAt = wire.StatusClosed, at
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// siteView is everything readable through the Store API about the data
// fillSite wrote.
type siteView struct {
	Users         []*store.User
	UserCount     int
	TokenUsers    []*store.User
	Logins        []*store.Login
	Teams         map[string][]string
	Sessions      []*store.Session
	ByCode        []*store.Session
	Lists         [][]*store.Session
	Due           []string
	Installers    []*store.Installer
	Pin           *store.Installer
	InstallerJCs  [][]string
	JumpClients   []*store.JumpClient
	JumpList      []*store.JumpClient
	JumpCount     int
	Stale         []string
	Audit         []store.AuditEntry
	AuditBySess   []store.AuditEntry
	AuditSinceLim []store.AuditEntry
	Chat          []store.ChatMessage
}

func readSite(t *testing.T, s store.Store, d siteData) siteView {
	t.Helper()
	ctx := t.Context()
	var v siteView
	var err error
	check := func(e error) {
		t.Helper()
		if e != nil {
			t.Fatal(e)
		}
	}
	for _, id := range d.userIDs {
		u, err := s.UserByID(ctx, id)
		check(err)
		v.Users = append(v.Users, u)
	}
	v.UserCount, err = s.CountUsers(ctx)
	check(err)
	for _, h := range d.tokens {
		u, err := s.UserByTokenHash(ctx, h)
		check(err)
		v.TokenUsers = append(v.TokenUsers, u)
	}
	for _, h := range d.logins {
		l, err := s.LoginByHash(ctx, h)
		check(err)
		v.Logins = append(v.Logins, l)
	}
	v.Teams, err = s.Teams(ctx)
	check(err)
	for _, id := range d.sessions {
		ss, err := s.Session(ctx, id)
		check(err)
		v.Sessions = append(v.Sessions, ss)
	}
	for _, c := range d.codes {
		ss, err := s.SessionByCode(ctx, c)
		check(err)
		v.ByCode = append(v.ByCode, ss)
	}
	for _, tech := range append([]int64{0}, d.userIDs...) {
		for _, ended := range []bool{false, true} {
			l, err := s.ListSessions(ctx, tech, ended)
			check(err)
			v.Lists = append(v.Lists, l)
		}
	}
	v.Due, err = s.DueSessions(ctx, when(3703))
	check(err)
	slices.Sort(v.Due) // unordered by contract
	for _, id := range d.installers {
		in, err := s.Installer(ctx, id)
		check(err)
		v.Installers = append(v.Installers, in)
		ids, err := s.InstallerJumpClients(ctx, id)
		check(err)
		v.InstallerJCs = append(v.InstallerJCs, ids)
	}
	v.Pin, err = s.PinInstaller(ctx, "sess-1")
	check(err)
	for _, id := range d.jumps {
		jc, err := s.JumpClient(ctx, id)
		check(err)
		v.JumpClients = append(v.JumpClients, jc)
	}
	v.JumpList, err = s.ListJumpClients(ctx)
	check(err)
	v.JumpCount, err = s.CountJumpClients(ctx)
	check(err)
	v.Stale, err = s.StaleJumpClients(ctx, when(502))
	check(err)
	slices.Sort(v.Stale)
	v.Audit, err = s.AuditLog(ctx, store.AuditQuery{})
	check(err)
	v.AuditBySess, err = s.AuditLog(ctx, store.AuditQuery{SessionID: "sess-0"})
	check(err)
	v.AuditSinceLim, err = s.AuditLog(ctx, store.AuditQuery{Since: when(601), Limit: 2})
	check(err)
	v.Chat, err = s.Chat(ctx, "sess-1", 0, 0)
	check(err)
	return v
}
