package embedcfg

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/tetherhq/tether/internal/cfb"
	"github.com/tetherhq/tether/internal/cfb/cfbtest"
)

// signature is a stand-in for an Authenticode signature with osslsigncode's
// reserved blob: DER around "---BEGIN_BLOB---", 993 zero bytes, the end
// marker.
func signatureWithBlob() []byte {
	var b bytes.Buffer
	b.WriteString("\x30\x82\x0b\x75 PKCS#7 signed data, certificates ... \x31\x82\x04\x04")
	b.Write(blobBegin())
	b.Write(make([]byte, 993))
	b.WriteString("---END_BLOB---")
	b.Write(bytes.Repeat([]byte{0xAB}, 1500)) // more attributes after it
	return b.Bytes()
}

const testAgentDigest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// msi builds a compound file like a signed template MSI, with every
// stream's sectors in reverse order so the blob spans mini sectors that
// are not adjacent in the file.
func msi(sig []byte, digest string) []byte {
	streams := []cfbtest.Stream{
		{Name: "\x05SummaryInformation", Data: bytes.Repeat([]byte("si"), 200)},
		{Name: cfb.EncodeMSIName("Property"), Data: []byte("tables")},
		{Name: "cab", Data: bytes.Repeat([]byte("cabinet "), 2000)},
	}
	if sig != nil {
		streams = append(streams, cfbtest.Stream{Name: MSISignatureStream, Data: sig})
	}
	if digest != "" {
		streams = append(streams, cfbtest.Stream{Name: cfb.EncodeMSIName(MSIAgentDigestStream), Data: []byte(digest + "\n")})
	}
	return cfbtest.Build(streams, true)
}

func installerRecord(t testing.TB, comments string) []byte {
	t.Helper()
	rec, err := Record(&Config{Kind: KindInstaller, SiteURL: "https://site.example:8443", KeyInfo: "k3y",
		InstallerID: "0123456789abcdef", Comments: comments, BinarySHA256: testAgentDigest}, testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestMSIStampRoundTrip(t *testing.T) {
	template := msi(signatureWithBlob(), testAgentDigest)
	l, err := InspectMSI(bytes.NewReader(template), int64(len(template)))
	if err != nil {
		t.Fatal(err)
	}
	if l.Room != 993 || l.AgentDigest != testAgentDigest || l.Size != int64(len(template)) {
		t.Fatalf("layout %+v", l)
	}
	if len(l.Slot) < 2 {
		t.Fatalf("slot in %d extent(s): the test MSI should scatter it", len(l.Slot))
	}
	rec := installerRecord(t, "rack 4")
	r, n, err := l.Stamped(bytes.NewReader(template), rec)
	if err != nil {
		t.Fatal(err)
	}
	stamped, _ := io.ReadAll(r)
	if int64(len(stamped)) != n || n != l.Size {
		t.Fatalf("stamped %d bytes, said %d, template %d", len(stamped), n, l.Size)
	}
	// Only the slot changed.
	changed := 0
	for i := range template {
		if template[i] != stamped[i] {
			changed++
			in := false
			for _, e := range l.Slot {
				in = in || int64(i) >= e.Offset && int64(i) < e.Offset+e.Len
			}
			if !in {
				t.Fatalf("byte %d outside the slot changed", i)
			}
		}
	}
	if changed == 0 {
		t.Fatal("nothing stamped")
	}
	got, err := MSIRecord(bytes.NewReader(stamped), int64(len(stamped)))
	if err != nil {
		t.Fatal(err)
	}
	cfg, raw, err := ParseRecord(got)
	if err != nil || !bytes.Equal(raw, rec) || cfg.Comments != "rack 4" || cfg.BinarySHA256 != testAgentDigest {
		t.Fatalf("read back %+v, %v", cfg, err)
	}
	// The stamped MSI is no template any more.
	if _, err := InspectMSI(bytes.NewReader(stamped), n); err == nil {
		t.Error("InspectMSI accepted a stamped MSI")
	}
	if _, err := MSIRecord(bytes.NewReader(template), int64(len(template))); !errors.Is(err, ErrNotFound) {
		t.Errorf("template: MSIRecord err = %v, want ErrNotFound", err)
	}
}

func TestMSIRefusals(t *testing.T) {
	noDigest := msi(signatureWithBlob(), "")
	if _, err := InspectMSI(bytes.NewReader(noDigest), int64(len(noDigest))); err == nil || !strings.Contains(err.Error(), "no "+MSIAgentDigestStream) {
		t.Errorf("no digest stream: err = %v", err)
	}
	template := msi(signatureWithBlob(), testAgentDigest)
	l, err := InspectMSI(bytes.NewReader(template), int64(len(template)))
	if err != nil {
		t.Fatal(err)
	}
	big := installerRecord(t, strings.Repeat("c", 900))
	if _, _, err := l.Stamped(bytes.NewReader(template), big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("record of %d bytes: err = %v, want ErrTooLarge", len(big), err)
	}
	noBlob := msi([]byte("\x30\x82 signature without a reserved blob"), "")
	if _, err := InspectMSI(bytes.NewReader(noBlob), int64(len(noBlob))); !errors.Is(err, ErrNoBlob) {
		t.Errorf("no blob: err = %v", err)
	}
	unsigned := msi(nil, "")
	if _, err := InspectMSI(bytes.NewReader(unsigned), int64(len(unsigned))); err == nil || !strings.Contains(err.Error(), "not signed") {
		t.Errorf("unsigned: err = %v", err)
	}
	badDigest := msi(signatureWithBlob(), "not hex")
	if _, err := InspectMSI(bytes.NewReader(badDigest), int64(len(badDigest))); err == nil {
		t.Error("malformed digest stream accepted")
	}
	if _, err := InspectMSI(bytes.NewReader(elf), int64(len(elf))); !errors.Is(err, cfb.ErrFormat) {
		t.Errorf("not an MSI: err = %v", err)
	}
}

// realSizeMSI is a signed template MSI of the real one's size (≈ 4.8 MB
// cabinet).
func realSizeMSI() []byte {
	return cfbtest.Build([]cfbtest.Stream{
		{Name: MSISignatureStream, Data: signatureWithBlob()},
		{Name: cfb.EncodeMSIName(MSIAgentDigestStream), Data: []byte(testAgentDigest)},
		{Name: "cab", Data: bytes.Repeat([]byte("cabinet "), 600_000)},
	}, false)
}

// BenchmarkMSIStamp is the site's work per MSI download: the stamped
// template streamed out (the layout is cached per template).
func BenchmarkMSIStamp(b *testing.B) {
	template := realSizeMSI()
	l, err := InspectMSI(bytes.NewReader(template), int64(len(template)))
	if err != nil {
		b.Fatal(err)
	}
	rec := installerRecord(b, "rack 4")
	b.SetBytes(int64(len(template)))
	for b.Loop() {
		r, _, err := l.Stamped(bytes.NewReader(template), rec)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, r)
	}
}

// BenchmarkInspectMSI is the once-per-template work.
func BenchmarkInspectMSI(b *testing.B) {
	template := realSizeMSI()
	for b.Loop() {
		if _, err := InspectMSI(bytes.NewReader(template), int64(len(template))); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzInspectMSI: any file either fails or yields a slot that lies inside
// it, and stamping and reading back through it never panics.
func FuzzInspectMSI(f *testing.F) {
	f.Add(msi(signatureWithBlob(), testAgentDigest))
	f.Add(msi([]byte("no blob"), ""))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := InspectMSI(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			_, _ = MSIRecord(bytes.NewReader(data), int64(len(data)))
			return
		}
		var room int64
		for _, e := range l.Slot {
			if e.Offset < 0 || e.Len <= 0 || e.Offset+e.Len > int64(len(data)) {
				t.Fatalf("slot extent %+v outside a file of %d bytes", e, len(data))
			}
			room += e.Len
		}
		if room != l.Room {
			t.Fatalf("slot extents hold %d bytes, room %d", room, l.Room)
		}
		rec := bytes.Repeat([]byte{0xA5}, int(min(l.Room, 200)))
		r, n, err := l.Stamped(bytes.NewReader(data), rec)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(r)
		if int64(len(out)) != n || n != int64(len(data)) {
			t.Fatalf("stamped %d bytes of %d", len(out), len(data))
		}
	})
}
