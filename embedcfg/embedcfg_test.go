package embedcfg

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"
)

func testKey(t testing.TB) ed25519.PrivateKey {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func supportConfig() *Config {
	return &Config{Kind: KindSupport, SiteURL: "https://site.example:8443", SessionCode: "123456782",
		SessionID: "s1", CertPin: "pin", IssuedAt: time.Unix(1700000000, 0).UTC()}
}

func TestRoundTrip(t *testing.T) {
	priv := testKey(t)
	rec, err := Record(supportConfig(), priv)
	if err != nil {
		t.Fatal(err)
	}
	// A download is the agent build with the record appended.
	bin := append([]byte("\x7fELF fake agent binary"), rec...)
	cfg, raw, err := Parse(bin)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SessionCode != "123456782" || cfg.SiteURL != "https://site.example:8443" || !bytes.Equal(raw, rec) {
		t.Fatalf("got %+v", cfg)
	}
	if _, err := Verify(raw, priv.Public().(ed25519.PublicKey)); err != nil {
		t.Fatalf("verify with own key: %v", err)
	}
	if _, err := Verify(raw, testKey(t).Public().(ed25519.PublicKey)); !errors.Is(err, ErrTampered) {
		t.Fatalf("verify with another site's key: %v", err)
	}
}

func TestTamperedByteIsRefused(t *testing.T) {
	priv := testKey(t)
	rec, _ := Record(supportConfig(), priv)
	bin := append([]byte("agent"), rec...)
	// Flip every byte of the record after the magic, one at a time: each
	// edit must be refused (or, for the length field, not found/refused).
	for i := 5 + 16; i < len(bin); i++ {
		c := bytes.Clone(bin)
		c[i] ^= 0x20
		if _, _, err := Parse(c); err == nil {
			t.Fatalf("edit at byte %d accepted", i)
		}
	}
}

func TestPlainBinaryHasNoConfig(t *testing.T) {
	if _, _, err := Parse([]byte("just a binary")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestLastRecordWins(t *testing.T) {
	priv := testKey(t)
	a, _ := Record(supportConfig(), priv)
	c2 := supportConfig()
	c2.SessionCode = "000000000"
	b, _ := Record(c2, priv)
	cfg, _, err := Parse(append(append([]byte("bin"), a...), b...))
	if err != nil || cfg.SessionCode != "000000000" {
		t.Fatalf("cfg=%v err=%v", cfg, err)
	}
}

func TestValidate(t *testing.T) {
	priv := testKey(t)
	for name, c := range map[string]*Config{
		"no url":     {Kind: KindSupport, SessionCode: "1"},
		"no code":    {Kind: KindSupport, SiteURL: "https://x"},
		"no key":     {Kind: KindInstaller, SiteURL: "https://x"},
		"bad kind":   {Kind: "x", SiteURL: "https://x"},
		"empty kind": {SiteURL: "https://x", SessionCode: "1"},
	} {
		if _, err := Record(c, priv); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	priv := testKey(f)
	rec, _ := Record(supportConfig(), priv)
	f.Add(rec)
	f.Add(append([]byte("prefix"), rec...))
	f.Add(magic())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, raw, err := Parse(data)
		if err != nil {
			return
		}
		// Anything accepted must verify and re-parse identically.
		if _, err := Verify(raw, cfg.SiteKey); err != nil {
			t.Fatalf("accepted record does not verify: %v", err)
		}
	})
}
