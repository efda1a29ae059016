package packaging

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Authenticode signing of the Windows agent and the template MSI, at build
// time, with osslsigncode (NOTES "Packaging from Linux"). Every signature
// reserves osslsigncode's unauthenticated blob (-addUnauthenticatedBlob):
// the site writes each download's config record into it in place, which
// leaves the signature valid (embedcfg), so the signing key never has to
// be on the site.
//
// The certificate comes from the environment (a release build signs with
// the publisher's certificate) or, for development, from a self-signed
// code-signing certificate created once next to the build output. Windows
// does not trust that one: SmartScreen and UAC show "Unknown publisher",
// exactly as for an unsigned file, but the signature still proves the
// file unchanged, and `osslsigncode verify -CAfile` checks it.

// Environment variables naming the signing certificate.
const (
	EnvSignPFX         = "TETHER_SIGN_PFX"          // PKCS#12 file with certificate chain and key
	EnvSignPassword    = "TETHER_SIGN_PASSWORD"     // its password
	EnvSignCert        = "TETHER_SIGN_CERT"         // or: certificate (chain) file, PEM or DER
	EnvSignKey         = "TETHER_SIGN_KEY"          // and its private key file, PEM or DER
	EnvSignKeyPassword = "TETHER_SIGN_KEY_PASSWORD" // the key's password, if encrypted
	EnvSignTimestamp   = "TETHER_SIGN_TIMESTAMP"    // RFC 3161 timestamp server URL (optional)
)

// Development certificate files, created by EnsureDevCert.
const (
	DevCertFile = "dev-codesign.crt"
	DevKeyFile  = "dev-codesign.key"
)

// Signer signs Windows files (PE executables and MSI packages).
type Signer struct {
	PFX, Password string // PKCS#12
	Cert, Key     string // or certificate and key files
	KeyPassword   string
	Description   string // shown by Windows as the program's name; default "Tether"
	URL           string // publisher URL in the signature (optional)
	TimestampURL  string // RFC 3161 server; empty: no timestamp
	Tool          string // osslsigncode; default from PATH
	// DevCA is set when signing with the development certificate: that
	// certificate, the trust anchor to verify its signatures against.
	DevCA string
}

// ErrSigner means no usable signing certificate was configured.
var ErrSigner = errors.New("invalid signing configuration")

// SignerFromEnv returns the signer the environment configures, or, with
// none, the development certificate in devDir (created when missing).
func SignerFromEnv(getenv func(string) string, devDir string) (*Signer, error) {
	s := &Signer{TimestampURL: getenv(EnvSignTimestamp)}
	switch pfx, cert, key := getenv(EnvSignPFX), getenv(EnvSignCert), getenv(EnvSignKey); {
	case pfx != "" && (cert != "" || key != ""):
		return nil, fmt.Errorf("%w: set %s or %s and %s, not both", ErrSigner, EnvSignPFX, EnvSignCert, EnvSignKey)
	case pfx != "":
		s.PFX, s.Password = pfx, getenv(EnvSignPassword)
	case cert != "" && key != "":
		s.Cert, s.Key, s.KeyPassword = cert, key, getenv(EnvSignKeyPassword)
	case cert != "" || key != "":
		return nil, fmt.Errorf("%w: %s and %s go together", ErrSigner, EnvSignCert, EnvSignKey)
	default:
		c, k, err := EnsureDevCert(devDir)
		if err != nil {
			return nil, err
		}
		s.Cert, s.Key, s.DevCA = c, k, c
	}
	for _, f := range []string{s.PFX, s.Cert, s.Key} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSigner, err)
		}
	}
	return s, nil
}

// EnsureDevCert returns the development code-signing certificate and key
// in dir, creating them (key 0600) when either is missing.
func EnsureDevCert(dir string) (certPath, keyPath string, err error) {
	certPath, keyPath = filepath.Join(dir, DevCertFile), filepath.Join(dir, DevKeyFile)
	_, cerr := os.Stat(certPath)
	_, kerr := os.Stat(keyPath)
	if cerr == nil && kerr == nil {
		return certPath, keyPath, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("development certificate: %w", err)
	}
	certPEM, keyPEM, err := newDevCert(time.Now())
	if err != nil {
		return "", "", err
	}
	if err := writeFileAtomic(keyPath, keyPEM, 0o600); err != nil {
		return "", "", fmt.Errorf("development certificate: %w", err)
	}
	if err := writeFileAtomic(certPath, certPEM, 0o644); err != nil {
		return "", "", fmt.Errorf("development certificate: %w", err)
	}
	return certPath, keyPath, nil
}

// newDevCert makes a self-signed RSA code-signing certificate. RSA rather
// than ECDSA: every Windows version verifies it.
func newDevCert(now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		return nil, nil, fmt.Errorf("development certificate: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("development certificate: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Tether Development Code Signing", Organization: []string{"Tether (development build)"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		// Its own trust anchor (osslsigncode verify -CAfile).
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("development certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("development certificate: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (s *Signer) tool() string {
	if s.Tool != "" {
		return s.Tool
	}
	return "osslsigncode"
}

// Sign writes a signed copy of in (an .exe or an .msi, not yet signed) to
// out, with the reserved blob for the site's config records.
func (s *Signer) Sign(ctx context.Context, in, out string) error {
	desc := s.Description
	if desc == "" {
		desc = "Tether"
	}
	args := []string{"sign", "-h", "sha256", "-n", desc}
	if s.URL != "" {
		args = append(args, "-i", s.URL)
	}
	var secret string
	switch {
	case s.PFX != "":
		args = append(args, "-pkcs12", s.PFX)
		secret = s.Password
	case s.Cert != "" && s.Key != "":
		args = append(args, "-certs", s.Cert, "-key", s.Key)
		secret = s.KeyPassword
	default:
		return fmt.Errorf("%w: no certificate", ErrSigner)
	}
	if secret != "" {
		// A file, not -pass: arguments are visible to every local user.
		f, err := os.CreateTemp("", "tether-sign-*")
		if err != nil {
			return fmt.Errorf("sign %s: %w", in, err)
		}
		defer os.Remove(f.Name())
		_, werr := f.WriteString(secret)
		if cerr := f.Close(); werr != nil || cerr != nil {
			return fmt.Errorf("sign %s: %w", in, errors.Join(werr, cerr))
		}
		args = append(args, "-readpass", f.Name())
	}
	if s.TimestampURL != "" {
		args = append(args, "-ts", s.TimestampURL)
	}
	tmp := out + ".signing"
	os.Remove(tmp)
	args = append(args, "-addUnauthenticatedBlob", "-in", in, "-out", tmp)
	if err := s.run(ctx, args); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sign %s: %w", in, err)
	}
	if st, err := os.Stat(in); err == nil {
		os.Chmod(tmp, st.Mode().Perm()) // osslsigncode writes 0644
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("sign %s: %w", in, err)
	}
	return nil
}

func (s *Signer) run(ctx context.Context, args []string) error {
	return runTool(ctx, "", s.tool(), args...)
}

// VerifyAuthenticode checks the signature of path (exe or msi) with
// osslsigncode; caFile is the trust anchor (the development certificate,
// which plain verification rejects as self-signed), or "" for the system
// roots.
func VerifyAuthenticode(ctx context.Context, path, caFile string) error {
	args := []string{"verify"}
	if caFile != "" {
		args = append(args, "-CAfile", caFile)
	}
	args = append(args, "-in", path)
	if err := runTool(ctx, "", "osslsigncode", args...); err != nil {
		return fmt.Errorf("verify the signature of %s: %w", path, err)
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
