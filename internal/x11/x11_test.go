package x11

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestParseDisplay(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  Display
		ok    bool
		local bool
	}{
		{":0", Display{Number: 0}, true, true},
		{":1.0", Display{Number: 1}, true, true},
		{"unix:12", Display{Host: "unix", Number: 12}, true, true},
		{"box:10.0", Display{Host: "box", Number: 10}, true, false},
		{"", Display{}, false, false},
		{":", Display{}, false, false},
		{":x", Display{}, false, false},
		{":-1", Display{}, false, false},
	} {
		got, err := ParseDisplay(tc.in)
		if (err == nil) != tc.ok || (tc.ok && (got != tc.want || got.Local() != tc.local)) {
			t.Errorf("ParseDisplay(%q) = %+v, %v", tc.in, got, err)
		}
	}
}

func TestCookie(t *testing.T) {
	host, _ := os.Hostname()
	local := []byte("0123456789abcdef")
	wild := []byte("fedcba9876543210")
	var b []byte
	b = AppendEntry(b, Entry{Family: familyLocal, Address: host, Number: "3", Name: "MIT-MAGIC-COOKIE-1", Data: local})
	b = AppendEntry(b, Entry{Family: familyLocal, Address: host, Number: "4", Name: "XDM-AUTHORIZATION-1", Data: local})
	b = AppendEntry(b, Entry{Family: familyWild, Name: "MIT-MAGIC-COOKIE-1", Data: wild})
	p := filepath.Join(t.TempDir(), "auth")
	os.WriteFile(p, b, 0o600)
	if got := Cookie(p, Display{Number: 3}); !bytes.Equal(got, local) {
		t.Errorf(":3 → %q", got)
	}
	if got := Cookie(p, Display{Number: 4}); !bytes.Equal(got, wild) { // :4's entry is another protocol
		t.Errorf(":4 → %q", got)
	}
	if got := Cookie(filepath.Join(t.TempDir(), "none"), Display{}); got != nil {
		t.Errorf("missing file → %q", got)
	}
	if n := len(ParseAuthority(b[:len(b)-3])); n != 2 {
		t.Errorf("a truncated file gave %d entries, want the 2 whole ones", n)
	}
}

func FuzzParseAuthority(f *testing.F) {
	f.Add(AppendEntry(nil, Entry{Family: familyLocal, Address: "h", Number: "0", Name: "MIT-MAGIC-COOKIE-1", Data: make([]byte, 16)}))
	f.Add([]byte{0, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, e := range ParseAuthority(b) {
			if again := ParseAuthority(AppendEntry(nil, e)); len(again) != 1 || again[0].Name != e.Name || !bytes.Equal(again[0].Data, e.Data) {
				t.Fatalf("round trip of %+v", e)
			}
		}
	})
}

func FuzzParseDisplay(f *testing.F) {
	for _, s := range []string{":0", "unix:1.0", "h:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDisplay(s)
		if err == nil && (d.Number < 0 || d.Number > 65535-6000) {
			t.Fatalf("%q → %+v", s, d)
		}
	})
}
