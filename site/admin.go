package site

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/tetherhq/tether/site/store"
)

// SiteKey returns the base64 public key of the site in dataDir, creating
// the key on a fresh data dir: agents built with it
// (-X …/embedcfg.BuildSiteKey=…) accept only configs this site signed.
func SiteKey(dataDir string) (string, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	k, err := loadOrCreateSiteKey(dataDir)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey)), nil
}

// MinPasswordLen applies to technician passwords and session access
// passwords alike (A1).
const MinPasswordLen = 8

// AddUser creates a technician (or admin) in the database at dbURL
// (DatabaseURL).
func AddUser(ctx context.Context, dbURL, name, password string, admin bool) error {
	if name == "" || len(name) > 64 {
		return errors.New("user name must be 1 to 64 characters")
	}
	hash, err := hashNewPassword(password)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	return st.AddUser(ctx, &store.User{Name: name, PassHash: hash, Admin: admin, CreatedAt: time.Now()})
}

// SetUserPassword changes a user's password in the database at dbURL and
// ends their console logins, so the old password (say, the bootstrap one
// `serve` printed) stops working everywhere at once, also on a running
// site: it reads logins from the store on each request. API tokens stay:
// they are revoked on their own (`token revoke`).
func SetUserPassword(ctx context.Context, dbURL, name, password string) error {
	hash, err := hashNewPassword(password)
	if err != nil {
		return err
	}
	return withUser(ctx, dbURL, name, func(st store.Store, u *store.User) error {
		if err := st.SetUserPassword(ctx, u.ID, hash); err != nil {
			return fmt.Errorf("set password of %q: %w", name, err)
		}
		return nil
	})
}

// SetUserDisabled disables or enables a user in the database at dbURL. A
// disabled user's console logins and API tokens are deleted at once, and a
// running site refuses the user on every request (it reads the user from
// the store each time), so a technician who left loses access everywhere.
// What names the user stays: sessions, audit entries, jump clients and
// personal jump groups. Enabling brings back no token: the user logs in
// again with their password. The last enabled admin cannot be disabled.
func SetUserDisabled(ctx context.Context, dbURL, name string, disabled bool) error {
	return withUser(ctx, dbURL, name, func(st store.Store, u *store.User) error {
		err := st.SetUserDisabled(ctx, u.ID, disabled)
		if errors.Is(err, store.ErrLastAdmin) {
			return fmt.Errorf("%q is the last enabled admin: nobody could administer the site; "+
				"add or enable another admin first: %w", name, err)
		}
		if err != nil {
			verb := map[bool]string{true: "disable", false: "enable"}[disabled]
			return fmt.Errorf("%s %q: %w", verb, name, err)
		}
		return nil
	})
}

// hashNewPassword applies the password rules of the CLI's user commands
// before hashing, so adding a user and changing a password cannot drift.
func hashNewPassword(password string) (string, error) {
	if len(password) < MinPasswordLen {
		return "", fmt.Errorf("password must be at least %d characters", MinPasswordLen)
	}
	return HashPassword(password), nil
}

// CreateToken creates an API token for a user and returns it; only its hash
// is stored, so it cannot be shown again.
func CreateToken(ctx context.Context, dbURL, name string) (tok string, err error) {
	err = withUser(ctx, dbURL, name, func(st store.Store, u *store.User) error {
		if u.Disabled {
			// The site would refuse it: better say so than print a dead token.
			return fmt.Errorf("user %q is disabled: enable it first (tether-site user enable %s)", name, name)
		}
		tok, _, err = newToken(ctx, st, u, "cli", time.Now())
		return err
	})
	return tok, err
}

// ensureAdmin creates an "admin" user with a random password on a fresh
// site and returns the password so `serve` can print it once.
func (s *Server) ensureAdmin(ctx context.Context) (string, error) {
	n, err := s.store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	pw := randomToken(12)
	err = s.store.AddUser(ctx, &store.User{Name: "admin", PassHash: HashPassword(pw), Admin: true, CreatedAt: s.clock.Now()})
	return pw, err
}

// withUser runs f with the database at dbURL open and the user called
// name, or says there is no such user: what the CLI's user commands share.
func withUser(ctx context.Context, dbURL, name string, f func(store.Store, *store.User) error) error {
	st, err := openStore(ctx, dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user %q: %w", name, err)
	}
	if err != nil {
		return fmt.Errorf("user %q: %w", name, err)
	}
	return f(st, u)
}
