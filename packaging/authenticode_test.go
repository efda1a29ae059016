package packaging

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tetherhq/tether/embedcfg"
)

func TestEnsureDevCert(t *testing.T) {
	dir := t.TempDir()
	cert, key, err := EnsureDevCert(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key %v: %v", st.Mode(), err)
	}
	b, _ := os.ReadFile(cert)
	blk, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageCodeSigning || c.Subject.CommonName != "Tether Development Code Signing" {
		t.Fatalf("certificate %+v", c.Subject)
	}
	// Created once: a second call keeps the pair.
	cert2, _, err := EnsureDevCert(dir)
	b2, _ := os.ReadFile(cert2)
	if err != nil || !bytes.Equal(b, b2) {
		t.Fatal("the development certificate was made again")
	}
}

func TestSignerFromEnv(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, []byte("x"), 0o600)
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	s, err := SignerFromEnv(env(nil), dir)
	if err != nil || s.DevCA == "" || s.Cert != s.DevCA {
		t.Fatalf("default: %+v %v", s, err)
	}
	s, err = SignerFromEnv(env(map[string]string{EnvSignPFX: file, EnvSignPassword: "pw", EnvSignTimestamp: "http://ts"}), dir)
	if err != nil || s.PFX != file || s.Password != "pw" || s.TimestampURL != "http://ts" || s.DevCA != "" {
		t.Fatalf("pfx: %+v %v", s, err)
	}
	s, err = SignerFromEnv(env(map[string]string{EnvSignCert: file, EnvSignKey: file}), dir)
	if err != nil || s.Cert != file || s.Key != file {
		t.Fatalf("cert and key: %+v %v", s, err)
	}
	for name, m := range map[string]map[string]string{
		"both":         {EnvSignPFX: file, EnvSignCert: file, EnvSignKey: file},
		"cert only":    {EnvSignCert: file},
		"missing file": {EnvSignPFX: filepath.Join(dir, "nope")},
	} {
		if _, err := SignerFromEnv(env(m), dir); !errors.Is(err, ErrSigner) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestSignExe signs a real Windows executable with the development
// certificate, stamps a record into the reserved blob as the site does for
// every download, and checks that the Authenticode signature still
// verifies and the agent's view of the config holds.
func TestSignExe(t *testing.T) {
	needTool(t, "osslsigncode")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { println(\"hello\") }\n"), 0o644)
	build := exec.Command("go", "build", "-o", "hello.exe", "main.go")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	signer, err := SignerFromEnv(func(string) string { return "" }, dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	in, signed := filepath.Join(dir, "hello.exe"), filepath.Join(dir, "signed.exe")
	if err := signer.Sign(ctx, in, signed); err != nil {
		t.Fatal(err)
	}
	if err := VerifyAuthenticode(ctx, signed, signer.DevCA); err != nil {
		t.Fatal(err)
	}
	// Plain verification knows no self-signed root (NOTES).
	if err := VerifyAuthenticode(ctx, signed, ""); err == nil {
		t.Error("a self-signed signature verified without -CAfile")
	}
	data, _ := os.ReadFile(signed)
	l, err := embedcfg.Inspect(data)
	if err != nil || !l.InBlob() || l.Room != 993 {
		t.Fatalf("layout %+v, %v", l, err)
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	rec, err := embedcfg.Record(&embedcfg.Config{Kind: embedcfg.KindInstaller, SiteURL: "https://s.example", KeyInfo: "k",
		BinarySHA256: l.Digest}, priv)
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := l.Stamped(bytes.NewReader(data), rec)
	if err != nil {
		t.Fatal(err)
	}
	stamped, _ := io.ReadAll(r)
	out := filepath.Join(dir, "tether-abc.exe")
	os.WriteFile(out, stamped, 0o755)
	if err := VerifyAuthenticode(ctx, out, signer.DevCA); err != nil {
		t.Fatalf("stamped download: %v", err)
	}
	if cfg, _, err := embedcfg.Parse(stamped); err != nil || cfg.KeyInfo != "k" {
		t.Fatalf("config of the stamped download: %+v %v", cfg, err)
	}
}
