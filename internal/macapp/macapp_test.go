package macapp

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tetherhq/tether/embedcfg"
)

func TestBundlePath(t *testing.T) {
	for exe, want := range map[string]string{
		"/Users/a/Downloads/Tether Support/Tether Support.app/Contents/MacOS/tether":  "/Users/a/Downloads/Tether Support/Tether Support.app",
		"/private/var/folders/x/T/AppTranslocation/ABC/d/T.app/Contents/MacOS/tether": "/private/var/folders/x/T/AppTranslocation/ABC/d/T.app",
		"/Library/Application Support/Tether/abc/tether":                              "",
		"/x/.app/Contents/MacOS/tether":                                               "",
		"/x/T.app/Contents/Resources/tether":                                          "",
		"tether":                                                                      "",
	} {
		if got := BundlePath(exe); got != want {
			t.Errorf("BundlePath(%q) = %q, want %q", exe, got, want)
		}
	}
}

func TestConfigPaths(t *testing.T) {
	exe := "/tmp/AppTranslocation/R/d/Tether Support.app/Contents/MacOS/tether"
	moved := func(string) (string, error) { return "/Users/a/Downloads/Tether Support/Tether Support.app", nil }
	got := ConfigPaths(exe, moved)
	want := []string{
		"/tmp/AppTranslocation/R/d/Tether Support.app/Contents/MacOS/" + ConfigFileName,
		"/Users/a/Downloads/Tether Support/" + ConfigFileName,
	}
	if !slices.Equal(got, want) {
		t.Errorf("translocated: %q, want %q", got, want)
	}
	// A failing locator falls back to the path as it is.
	failing := func(string) (string, error) { return "", errors.New("no Security.framework") }
	if got := ConfigPaths(exe, failing); got[1] != "/tmp/AppTranslocation/R/d/"+ConfigFileName {
		t.Errorf("failing locator: %q", got)
	}
	if got := ConfigPaths("/opt/t/tether", moved); !slices.Equal(got, []string{"/opt/t/" + ConfigFileName}) {
		t.Errorf("plain binary: %q", got)
	}
}

// signedRecord is a record issued for the program at exe.
func signedRecord(t *testing.T, exe string) []byte {
	t.Helper()
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	l, err := embedcfg.Inspect(data)
	if err != nil {
		t.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	rec, err := embedcfg.Record(&embedcfg.Config{Kind: embedcfg.KindSupport, SiteURL: "https://s.example",
		SessionCode: "123456789", BinarySHA256: l.Digest}, priv)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestReadConfig(t *testing.T) {
	dir := t.TempDir()
	app := filepath.Join(dir, "Tether Support", "Tether Support.app")
	exe := filepath.Join(app, "Contents", "MacOS", "tether")
	if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ReadConfig(exe); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no file: err = %v, want ErrNotFound", err)
	}
	if err := os.WriteFile(exe, []byte("\xcf\xfa\xed\xfe universal agent"), 0o755); err != nil {
		t.Fatal(err)
	}
	rec := signedRecord(t, exe)
	beside := filepath.Join(dir, "Tether Support", ConfigFileName)
	os.WriteFile(beside, rec, 0o644)
	cfg, raw, from, err := ReadConfig(exe)
	if err != nil || cfg.SessionCode != "123456789" || string(raw) != string(rec) || from != beside {
		t.Fatalf("ReadConfig = %v %q %v", cfg, from, err)
	}
	// Next to the executable wins (an installed jump client).
	inside := filepath.Join(filepath.Dir(exe), ConfigFileName)
	os.WriteFile(inside, rec, 0o644)
	if _, _, from, _ := ReadConfig(exe); from != inside {
		t.Errorf("read %s, want %s", from, inside)
	}
	// A damaged file is an error, not a silent fallback to the next one.
	bad := append([]byte(nil), rec...)
	bad[len(bad)-1] ^= 1
	os.WriteFile(inside, bad, 0o644)
	if _, _, _, err := ReadConfig(exe); !errors.Is(err, embedcfg.ErrTampered) {
		t.Errorf("tampered: err = %v", err)
	}
	os.WriteFile(inside, []byte("not a record"), 0o644)
	if _, _, _, err := ReadConfig(exe); !errors.Is(err, embedcfg.ErrTampered) {
		t.Errorf("garbage: err = %v", err)
	}
	os.Remove(inside)
	os.Mkdir(inside, 0o755)
	if _, _, _, err := ReadConfig(exe); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("directory: err = %v", err)
	}
}

// TestReadConfigOtherProgram: a config issued for one build is refused
// next to another (e.g. copied beside a modified app).
func TestReadConfigOtherProgram(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "tether")
	os.WriteFile(exe, []byte("\xcf\xfa\xed\xfe build 1"), 0o755)
	rec := signedRecord(t, exe)
	os.WriteFile(filepath.Join(dir, ConfigFileName), rec, 0o600)
	if _, _, _, err := ReadConfig(exe); err != nil {
		t.Fatalf("own program: %v", err)
	}
	os.WriteFile(exe, []byte("\xcf\xfa\xed\xfe build 2"), 0o755)
	if _, _, _, err := ReadConfig(exe); !errors.Is(err, embedcfg.ErrTampered) {
		t.Fatalf("other program: err = %v, want ErrTampered", err)
	}
}
