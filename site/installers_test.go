package site_test

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/wire"
)

type installerAnswer struct {
	ID          string    `json:"id"`
	KeyInfo     string    `json:"key_info"`
	DownloadURL string    `json:"download_url"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// TestInstallerBin creates an installer, downloads its .bin as an admin
// would and runs it: the agent it unpacks receives the flags verbatim and
// carries the signed installer config.
func TestInstallerBin(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	s := sitetest.Start(t, nil)
	// A stand-in agent build that records what the .bin runs it with.
	stub := "#!/bin/sh\ncp \"$0\" \"$TETHER_TEST_OUT\"\nprintf '%s\\n' \"$@\" > \"$TETHER_TEST_OUT.args\"\nexit 0\n"
	if err := os.WriteFile(filepath.Join(s.Agents, "tether-linux-amd64"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	var in installerAnswer
	st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"platform": "linux-amd64", "tag": "servers",
		"comments": "rack 4", "mode": "service", "valid_for": "1h"}, &in)
	if st != 201 || in.KeyInfo == "" || !in.ExpiresAt.Equal(s.Clock.Now().Add(time.Hour)) {
		t.Fatalf("create: %d %+v", st, in)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "tether-"+in.ID+".bin")
	res, err := s.Client.Get(in.DownloadURL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(string(b), "#!/bin/sh") {
		t.Fatalf("download: %d %.60q", res.StatusCode, b)
	}
	os.WriteFile(bin, b, 0o755)
	out := filepath.Join(dir, "agent")
	cmd := exec.Command("sh", bin, "--install-dir", "/opt/jc one", "--jc-tag", "web")
	cmd.Env = append(os.Environ(), "TETHER_TEST_OUT="+out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("run .bin: %v\n%s", err, msg)
	}
	args, _ := os.ReadFile(out + ".args")
	if got := string(args); got != "install\n--install-dir\n/opt/jc one\n--jc-tag\nweb\n" {
		t.Fatalf("agent args %q", got)
	}
	cfg, _, err := embedcfg.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Kind != embedcfg.KindInstaller || cfg.InstallerID != in.ID || cfg.KeyInfo != in.KeyInfo ||
		cfg.Tag != "servers" || cfg.Comments != "rack 4" || cfg.Mode != "service" || cfg.JumpGroup != "user:tech" ||
		!cfg.ExpiresAt.Equal(in.ExpiresAt) || cfg.CertPin != s.Server.CertPin() {
		t.Fatalf("embedded config %+v", cfg)
	}
	if !cfg.IssuedAt.Equal(s.Clock.Now()) {
		t.Fatalf("issued %v", cfg.IssuedAt)
	}

	// A wrong key, and the same installer once it has expired.
	res, _ = s.Client.Get(strings.TrimSuffix(in.DownloadURL, in.KeyInfo) + "wrong-key")
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("wrong key: %d", res.StatusCode)
	}
	s.Clock.Advance(time.Hour)
	res, _ = s.Client.Get(in.DownloadURL)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 410 || !strings.Contains(string(body), string(wire.InstallerExpired)) {
		t.Fatalf("expired: %d %s", res.StatusCode, body)
	}
}

func TestInstallerValidation(t *testing.T) {
	s := sitetest.Start(t, nil)
	for name, body := range map[string]map[string]any{
		"unknown platform": {"platform": "plan9-mips"},
		"bad mode":         {"mode": "kernel"},
		"bad validity":     {"valid_for": "forever"},
	} {
		t.Run(name, func(t *testing.T) {
			var eb sitetest.ErrorBody
			if st := s.Do(s.Token, "POST", "/api/v1/installers", body, &eb); st != 400 || eb.Error.Code != "bad_request" {
				t.Fatalf("%d %+v", st, eb)
			}
		})
	}
}
