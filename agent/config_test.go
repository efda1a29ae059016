package agent

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/internal/macapp"
	"github.com/tetherhq/tether/internal/testdir"
)

// TestEmbeddedConfigDarwin: on macOS the config is read from the file
// beside the agent when the binary carries none.
func TestEmbeddedConfigDarwin(t *testing.T) {
	dir := testdir.New(t)
	exe := filepath.Join(dir, "tether")
	build := []byte("\xcf\xfa\xed\xfe universal agent")
	os.WriteFile(exe, build, 0o755)
	if _, _, err := embeddedConfig(exe, "darwin"); !errors.Is(err, ErrNoSession) {
		t.Fatalf("no config: err = %v, want ErrNoSession", err)
	}
	l, err := embedcfg.Inspect(build)
	if err != nil {
		t.Fatal(err)
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	rec, err := embedcfg.Record(&embedcfg.Config{Kind: embedcfg.KindInstaller, SiteURL: "https://s.example",
		KeyInfo: "k", BinarySHA256: l.Digest}, priv)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, macapp.ConfigFileName), rec, 0o600)
	cfg, got, err := embeddedConfig(exe, "darwin")
	if err != nil || cfg.KeyInfo != "k" || string(got) != string(rec) {
		t.Fatalf("darwin: %+v %v", cfg, err)
	}
	// Elsewhere a file beside the binary means nothing.
	if _, _, err := embeddedConfig(exe, "linux"); !errors.Is(err, ErrNoSession) {
		t.Fatalf("linux: err = %v, want ErrNoSession", err)
	}
	// A config for another program is damage, not absence.
	os.WriteFile(exe, []byte("\xcf\xfa\xed\xfe another build"), 0o755)
	if _, _, err := embeddedConfig(exe, "darwin"); !errors.Is(err, ErrDamaged) {
		t.Fatalf("other program: err = %v, want ErrDamaged", err)
	}
}
