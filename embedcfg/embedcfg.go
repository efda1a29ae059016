// Package embedcfg writes and reads the signed configuration that the site
// embeds in every agent download: which site to talk to, how to recognise it
// (certificate pin and site key), what the download is for (a support
// session code or a jump-client installer key) and which program it belongs
// to (the SHA-256 of the rest of the file).
//
// Layout of the embedded record (all integers big-endian):
//
//	magic   16 bytes   see magic()
//	length   4 bytes   length of payload
//	payload  n bytes   JSON of Config
//	sig     64 bytes   ed25519(site key, "tether-config-v1\x00" || payload)
//
// The record sits in a slot of the file (slot.go): appended at the end, or
// inside an Authenticode signature's unauthenticated blob (reserved with
// osslsigncode -addUnauthenticatedBlob and overwritten in place per
// download, so the Windows signature stays valid). The signature covers
// the whole download: Config.BinarySHA256 is the digest of every byte of
// the file outside the slot, so neither the program nor the config can be
// edited. The reader finds the last magic in the file rather than reading a
// fixed trailer, so both placements read the same way.
//
// Which key may sign: the key the agent was built for (BuildSiteKey, set at
// link time) when there is one, else the key a jump client pinned at
// enrolment; a config signed by any other key is refused.
package embedcfg

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// Kind says what a download is for.
type Kind string

const (
	KindSupport   Kind = "support"   // temporary support app for one session
	KindInstaller Kind = "installer" // jump-client installer
)

// Config is the embedded configuration.
type Config struct {
	Version  int    `json:"v"`
	Kind     Kind   `json:"kind"`
	SiteURL  string `json:"site_url"`
	SiteName string `json:"site_name,omitempty"`
	// CertPin is the SHA-256 of the site certificate's SubjectPublicKeyInfo,
	// base64 (std). Empty means: verify with the system roots.
	CertPin string `json:"cert_pin,omitempty"`
	// SiteKey is the site's ed25519 public key; it signed this record and
	// signs the site's proof during the handshake.
	SiteKey  []byte    `json:"site_key"`
	Platform string    `json:"platform,omitempty"`
	IssuedAt time.Time `json:"issued_at"`
	// BinarySHA256 is the hex SHA-256 of the download outside the record's
	// slot (Digest): the program the config was issued for. Empty only in
	// records that travel alone (`tether support --site --code`).
	BinarySHA256 string `json:"binary_sha256,omitempty"`

	// Support app.
	SessionID   string `json:"session_id,omitempty"`
	SessionCode string `json:"session_code,omitempty"`

	// Installer.
	InstallerID string    `json:"installer_id,omitempty"`
	KeyInfo     string    `json:"key_info,omitempty"`
	JumpGroup   string    `json:"jump_group,omitempty"`
	Tag         string    `json:"tag,omitempty"`
	Comments    string    `json:"comments,omitempty"`
	Mode        string    `json:"mode,omitempty"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
}

// CurrentVersion is the config format version written by this build.
// Version 2 added BinarySHA256.
const CurrentVersion = 2

const (
	maxPayload = 64 << 10
	sigSize    = ed25519.SignatureSize
	sigDomain  = "tether-config-v1\x00"
)

var (
	// ErrNotFound means the binary carries no config (a plain build).
	ErrNotFound = errors.New("no embedded config")
	// ErrTampered means a record was found but its signature does not
	// hold, or the program around it is not the one it was issued for.
	ErrTampered = errors.New("embedded config has been modified")
	// ErrForeignKey means the record was signed by another site key than
	// the one this build (or this jump client) trusts.
	ErrForeignKey = errors.New("embedded config is signed by a site this agent does not trust")
)

// BuildSiteKey is the base64 ed25519 public key of the site this agent was
// built for, set at link time:
//
//	go build -ldflags "-X github.com/tetherhq/tether/embedcfg.BuildSiteKey=<base64>"
//
// When set, only configs this key signed are accepted. Empty: any signature
// that holds over the whole download (jump clients then pin the key at
// enrolment).
var BuildSiteKey string

// BuiltFor is BuildSiteKey decoded (nil when unset or malformed).
func BuiltFor() ed25519.PublicKey {
	k, err := base64.StdEncoding.DecodeString(BuildSiteKey)
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil
	}
	return k
}

// magic is stored bit-inverted so that the agent binary itself, which
// contains this package, never contains the marker it searches for.
var invertedMagic = [16]byte{0x76, 0xab, 0xba, 0xab, 0xb7, 0xba, 0xad, 0xd2, 0xbc, 0xb9, 0xb8, 0xf2, 0xa3, 0xa8, 0xff, 0xfe}

func magic() []byte { return invert(invertedMagic[:]) }

// Validate checks the fields every config needs.
func (c *Config) Validate() error {
	switch {
	case c.Version != CurrentVersion:
		return fmt.Errorf("config version %d not supported", c.Version)
	case c.SiteURL == "":
		return errors.New("config has no site URL")
	case len(c.SiteKey) != ed25519.PublicKeySize:
		return errors.New("config has no valid site key")
	case c.Kind == KindSupport && c.SessionCode == "":
		return errors.New("support config has no session code")
	case c.Kind == KindInstaller && c.KeyInfo == "":
		return errors.New("installer config has no key")
	case c.Kind != KindSupport && c.Kind != KindInstaller:
		return fmt.Errorf("unknown config kind %q", c.Kind)
	case c.BinarySHA256 != "" && !isHexDigest(c.BinarySHA256):
		return errors.New("config has a malformed binary digest")
	}
	return nil
}

func isHexDigest(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// Record builds the signed record for cfg. The site key in cfg must match
// priv.
func Record(cfg *Config, priv ed25519.PrivateKey) ([]byte, error) {
	cfg.Version = CurrentVersion
	cfg.SiteKey = priv.Public().(ed25519.PublicKey)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("marshal config: %w", err)
	}
	if len(payload) > maxPayload {
		return nil, fmt.Errorf("config of %d bytes is too large", len(payload))
	}
	out := make([]byte, 0, 16+4+len(payload)+sigSize)
	out = append(out, magic()...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(payload)))
	out = append(out, payload...)
	out = append(out, ed25519.Sign(priv, signed(payload))...)
	return out, nil
}

// Payload returns the signed JSON payload of a record (what the agent sends
// to the site so the site can check its own signature).
func Payload(record []byte) ([]byte, error) {
	p, _, err := split(record)
	return p, err
}

func signed(payload []byte) []byte { return append([]byte(sigDomain), payload...) }

// Parse finds the last record in a whole download, verifies its signature
// (with the key the build was made for, else the key inside it), and that
// the rest of the file is the program the config was issued for. It returns
// the config and the raw record.
func Parse(data []byte) (*Config, []byte, error) {
	i := bytes.LastIndex(data, magic())
	if i < 0 {
		return nil, nil, ErrNotFound
	}
	cfg, rec, err := ParseRecord(data[i:])
	if err != nil {
		return nil, nil, err
	}
	if cfg.BinarySHA256 == "" || Digest(data, i, len(rec)) != cfg.BinarySHA256 {
		return nil, nil, fmt.Errorf("%w: the program is not the one the config was issued for", ErrTampered)
	}
	return cfg, rec, nil
}

// ParseRecord verifies a record on its own (at the start of data; what
// follows it is ignored): its signature by the key the build was made for,
// else by the key inside it. It returns the config and the record's bytes.
func ParseRecord(data []byte) (*Config, []byte, error) {
	if !bytes.HasPrefix(data, magic()) {
		return nil, nil, ErrTampered
	}
	payload, sig, err := split(data)
	if err != nil {
		return nil, nil, err
	}
	var cfg Config
	if err := json.Unmarshal(payload, &cfg); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrTampered, err)
	}
	if len(cfg.SiteKey) != ed25519.PublicKeySize || !ed25519.Verify(cfg.SiteKey, signed(payload), sig) {
		return nil, nil, ErrTampered
	}
	if k := BuiltFor(); k != nil && !bytes.Equal(k, cfg.SiteKey) {
		return nil, nil, ErrForeignKey
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrTampered, err)
	}
	return &cfg, data[:16+4+len(payload)+sigSize], nil
}

// Verify checks a record's signature against a known site key: the site
// uses it to accept only configs it issued itself.
func Verify(record []byte, siteKey ed25519.PublicKey) (*Config, error) {
	if !bytes.HasPrefix(record, magic()) {
		return nil, ErrTampered
	}
	payload, sig, err := split(record)
	if err != nil {
		return nil, err
	}
	if !ed25519.Verify(siteKey, signed(payload), sig) {
		return nil, ErrTampered
	}
	var cfg Config
	if err := json.Unmarshal(payload, &cfg); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTampered, err)
	}
	if !bytes.Equal(cfg.SiteKey, siteKey) {
		return nil, ErrForeignKey
	}
	return &cfg, cfg.Validate()
}

func split(rec []byte) (payload, sig []byte, err error) {
	if len(rec) < 16+4 {
		return nil, nil, ErrTampered
	}
	n := binary.BigEndian.Uint32(rec[16:20])
	if n > maxPayload || uint64(len(rec)) < 20+uint64(n)+sigSize {
		return nil, nil, ErrTampered
	}
	return rec[20 : 20+n], rec[20+n : 20+n+sigSize], nil
}

// ReadFile reads the config embedded in the file at path (normally
// os.Executable()).
func ReadFile(path string) (*Config, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	return Parse(data)
}
