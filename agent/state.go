package agent

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/tetherhq/tether/embedcfg"
)

// EnvStateDir moves the agent's identity key and state (SPEC F); two state
// dirs on one machine act as two computers.
const EnvStateDir = "TETHER_STATE_DIR"

// Files in the state dir.
const (
	identityFile   = "identity.key"
	sessionFile    = "session.json"
	JumpClientFile = "jumpclient.json" // present while a jump client is installed with this state
)

// State is the agent's directory of persistent state.
type State struct {
	Dir string
	// Explicit is set when the dir came from --state-dir or the environment;
	// then only this dir counts as "this computer".
	Explicit bool
}

// ResolveState picks the state dir: the flag, then $TETHER_STATE_DIR, then a
// per-user default.
func ResolveState(flag string) (*State, error) {
	if flag != "" {
		return &State{Dir: flag, Explicit: true}, nil
	}
	if env := os.Getenv(EnvStateDir); env != "" {
		return &State{Dir: env, Explicit: true}, nil
	}
	dir, err := defaultStateDir()
	if err != nil {
		return nil, err
	}
	return &State{Dir: dir}, nil
}

func defaultStateDir() (string, error) {
	if runtime.GOOS == "linux" {
		if x := os.Getenv("XDG_STATE_HOME"); x != "" {
			return filepath.Join(x, "tether"), nil
		}
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, ".local", "state", "tether"), nil
		}
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no state dir: pass --state-dir: %w", err)
	}
	return filepath.Join(base, "Tether"), nil
}

func (s *State) path(name string) string { return filepath.Join(s.Dir, name) }

func (s *State) ensure() error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	return nil
}

// Identity loads the computer's ed25519 identity key, creating it on first
// use. It never leaves this machine; the site only learns the public half.
func (s *State) Identity() (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(s.path(identityFile))
	if err == nil {
		blk, _ := pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("%s: not PEM", s.path(identityFile))
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("identity key: %w", err)
		}
		if ek, ok := k.(ed25519.PrivateKey); ok {
			return ek, nil
		}
		return nil, errors.New("identity key: not ed25519")
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("identity key: %w", err)
	}
	if err := s.ensure(); err != nil {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	if err := writeSecret(s.path(identityFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
		return nil, err
	}
	return priv, nil
}

// siteKeyFile pins the key of the site a jump client belongs to: a program
// put in its place later (an update, or an attacker's copy) must carry a
// config signed by that same key.
const siteKeyFile = "site.key.pin"

// pinSiteKey pins key on first use and refuses any other key afterwards.
func (s *State) pinSiteKey(key ed25519.PublicKey) error {
	b, err := os.ReadFile(s.path(siteKeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		if err := s.ensure(); err != nil {
			return err
		}
		return writeSecret(s.path(siteKeyFile), []byte(base64.StdEncoding.EncodeToString(key)+"\n"))
	}
	if err != nil {
		return fmt.Errorf("pinned site key: %w", err)
	}
	pinned, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || !bytes.Equal(pinned, key) {
		return fmt.Errorf("%w (%w: %s)", ErrDamaged, embedcfg.ErrForeignKey, s.path(siteKeyFile))
	}
	return nil
}

// SessionRecord remembers the session this computer is bound to, so that a
// second support app for another session can tell (previous_session_open).
type SessionRecord struct {
	SessionID string `json:"session_id"`
	Config    []byte `json:"config"` // the signed config record: site, pin, code
}

// Session returns the stored session record, or nil.
func (s *State) Session() (*SessionRecord, error) {
	b, err := os.ReadFile(s.path(sessionFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("session record: %w", err)
	}
	var r SessionRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("session record: %w", err)
	}
	return &r, nil
}

// SaveSession stores the bound session.
func (s *State) SaveSession(r *SessionRecord) error {
	if err := s.ensure(); err != nil {
		return err
	}
	b, _ := json.Marshal(r)
	return writeSecret(s.path(sessionFile), b)
}

// ForgetSession drops the session record.
func (s *State) ForgetSession() error {
	err := os.Remove(s.path(sessionFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// RemoveAll deletes the support app's state: identity and session, and the
// dir itself when nothing else is left in it.
func (s *State) RemoveAll() error {
	var errs []error
	for _, f := range []string{sessionFile, identityFile, rejoinFile} {
		if err := os.Remove(s.path(f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	os.Remove(s.Dir) // only succeeds when empty
	return errors.Join(errs...)
}

// writeSecret writes a file readable by its owner only, atomically.
func writeSecret(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// loadRecord reads the JSON record name of the state dir (what names it in
// errors); nil when there is none.
func loadRecord[T any](s *State, name, what string) (*T, error) {
	b, err := os.ReadFile(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, s.path(name), err)
	}
	return &v, nil
}

// saveRecord writes v as the JSON record name, readable by the agent's
// user only.
func (s *State) saveRecord(name string, v any) error {
	if err := s.ensure(); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeSecret(s.path(name), b)
}

// forgetRecord removes the record name; a missing one is not an error.
func (s *State) forgetRecord(name, what string) error {
	if err := os.Remove(s.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", what, err)
	}
	return nil
}
