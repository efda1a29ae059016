package embedcfg

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"io"
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

// download stamps cfg, issued for build, into build as the site does.
func download(t testing.TB, build []byte, cfg *Config, priv ed25519.PrivateKey) []byte {
	t.Helper()
	l, err := Inspect(build)
	if err != nil {
		t.Fatal(err)
	}
	cfg.BinarySHA256 = l.Digest
	rec, err := Record(cfg, priv)
	if err != nil {
		t.Fatal(err)
	}
	r, n, err := l.Stamped(bytes.NewReader(build), rec)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(r)
	if int64(len(out)) != n {
		t.Fatalf("stamped %d bytes, said %d", len(out), n)
	}
	return out
}

var elf = []byte("\x7fELF fake agent binary with code in it")

func TestRoundTrip(t *testing.T) {
	priv := testKey(t)
	bin := download(t, elf, supportConfig(), priv)
	cfg, raw, err := Parse(bin)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SessionCode != "123456782" || cfg.SiteURL != "https://site.example:8443" || !bytes.Equal(raw, bin[len(elf):]) {
		t.Fatalf("got %+v", cfg)
	}
	if _, err := Verify(raw, priv.Public().(ed25519.PublicKey)); err != nil {
		t.Fatalf("verify with own key: %v", err)
	}
	if _, err := Verify(raw, testKey(t).Public().(ed25519.PublicKey)); !errors.Is(err, ErrTampered) {
		t.Fatalf("verify with another site's key: %v", err)
	}
}

// Every byte of a download is covered: the program and the record.
func TestEveryEditedByteIsRefused(t *testing.T) {
	bin := download(t, elf, supportConfig(), testKey(t))
	for i := range bin {
		c := bytes.Clone(bin)
		c[i] ^= 0x20
		if _, _, err := Parse(c); err == nil {
			t.Fatalf("edit at byte %d of %d accepted", i, len(bin))
		}
	}
	// Inserting code before the record is refused too.
	grown := append(append(bytes.Clone(elf), "evil"...), bin[len(elf):]...)
	if _, _, err := Parse(grown); !errors.Is(err, ErrTampered) {
		t.Fatalf("grown program: %v", err)
	}
}

// A config re-signed by another key over the same program is refused by
// an agent built for the site's key.
func TestBuildSiteKey(t *testing.T) {
	site, other := testKey(t), testKey(t)
	bin := download(t, elf, supportConfig(), other)
	if _, _, err := Parse(bin); err != nil {
		t.Fatalf("no build key: any holding signature: %v", err)
	}
	BuildSiteKey = base64.StdEncoding.EncodeToString(site.Public().(ed25519.PublicKey))
	defer func() { BuildSiteKey = "" }()
	if _, _, err := Parse(bin); !errors.Is(err, ErrForeignKey) {
		t.Fatalf("another key, built for the site's: %v", err)
	}
	if _, _, err := Parse(download(t, elf, supportConfig(), site)); err != nil {
		t.Fatalf("the site's own key: %v", err)
	}
}

func TestPlainBinaryHasNoConfig(t *testing.T) {
	if _, _, err := Parse([]byte("just a binary")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

// signedPE imitates a build signed with osslsigncode
// -addUnauthenticatedBlob: a 1,028-byte blob with markers, zeros between.
func signedPE() []byte {
	blob := make([]byte, 1028)
	copy(blob, "\x0c\x82\x04\x00---BEGIN_BLOB---\x00")
	copy(blob[1028-15:], "---END_BLOB---\x00")
	return append(append([]byte("MZ program bytes; signature: "), blob...), "more signature"...)
}

func TestAuthenticodeBlob(t *testing.T) {
	pe := signedPE()
	l, err := Inspect(pe)
	if err != nil {
		t.Fatal(err)
	}
	if !l.InBlob() || l.Room != 993 {
		t.Fatalf("layout %+v, want the blob with 993 bytes of room", l)
	}
	priv := testKey(t)
	bin := download(t, pe, supportConfig(), priv)
	if len(bin) != len(pe) {
		t.Fatalf("stamping changed the size: %d → %d", len(pe), len(bin))
	}
	if !bytes.HasSuffix(bin, []byte("---END_BLOB---\x00more signature")) {
		t.Fatal("stamping overwrote the blob's end marker")
	}
	cfg, _, err := Parse(bin)
	if err != nil || cfg.SessionCode != "123456782" {
		t.Fatalf("parse stamped PE: %v", err)
	}
	// Another session's record, re-stamped in place (a pin), still parses.
	c2 := supportConfig()
	c2.SessionCode, c2.BinarySHA256 = "000000000", l.Digest
	rec2, _ := Record(c2, priv)
	re, err := Restamp(bin, rec2)
	if err != nil || len(re) != len(pe) {
		t.Fatalf("restamp: %v (%d bytes)", err, len(re))
	}
	if cfg, _, err := Parse(re); err != nil || cfg.SessionCode != "000000000" {
		t.Fatalf("parse restamped: %v", err)
	}
	// A record bigger than the blob is refused, not appended.
	big := supportConfig()
	big.SiteName = string(bytes.Repeat([]byte("x"), 1000))
	big.BinarySHA256 = l.Digest
	rec, _ := Record(big, priv)
	if err := l.Fits(rec); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized record: %v", err)
	}
}

// Restamp turns an appended download into another config's program.
func TestRestampAppended(t *testing.T) {
	priv := testKey(t)
	bin := download(t, elf, supportConfig(), priv)
	in := &Config{Kind: KindInstaller, SiteURL: "https://site.example:8443", KeyInfo: "k", BinarySHA256: Digest(elf, len(elf), 0)}
	rec, _ := Record(in, priv)
	out, err := Restamp(bin, rec)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, _, err := Parse(out); err != nil || cfg.Kind != KindInstaller || !bytes.Equal(out[:len(elf)], elf) {
		t.Fatalf("restamped: %v", err)
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
		"bad digest": {Kind: KindSupport, SiteURL: "https://x", SessionCode: "1", BinarySHA256: "abc"},
	} {
		if _, err := Record(c, priv); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	priv := testKey(f)
	f.Add(download(f, elf, supportConfig(), priv))
	f.Add(download(f, signedPE(), supportConfig(), priv))
	f.Add(magic())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, raw, err := Parse(data)
		if err != nil {
			return
		}
		// Anything accepted must verify with its key and cover the file.
		if _, err := Verify(raw, cfg.SiteKey); err != nil {
			t.Fatalf("accepted record does not verify: %v", err)
		}
		i := bytes.LastIndex(data, magic())
		if Digest(data, i, len(raw)) != cfg.BinarySHA256 {
			t.Fatal("accepted a record whose digest does not cover the file")
		}
	})
}

func FuzzInspect(f *testing.F) {
	f.Add(signedPE())
	f.Add(elf)
	f.Fuzz(func(t *testing.T, build []byte) {
		l, err := Inspect(build)
		if err != nil {
			return
		}
		if l.Start > l.Size || l.Room < 0 || (l.InBlob() && l.Start+l.Room > l.Size) {
			t.Fatalf("layout %+v out of the build", l)
		}
	})
}
