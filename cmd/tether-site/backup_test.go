package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/internal/pgtest"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
)

// TestBackupRestore backs up a running SQLite site, restores the archive
// into a new data dir and starts a site there at the same address: the
// data is there, and agents downloaded from the first site connect — a
// support app activates (site key, certificate pin and the security-code
// secret are the same) and an enrolled jump client rejoins.
func TestBackupRestore(t *testing.T) {
	s := sitetest.Start(t, nil)
	sess := s.CreateSession(map[string]any{"customer_name": "Ada", "password": "access-pw"})
	app, st, _ := s.Download(sess.Code, "linux-amd64", t.TempDir())
	if st != 200 {
		t.Fatalf("download: %d", st)
	}
	exe := installer(t, s)
	state := t.TempDir()
	jc := runJumpClient(t, s, exe, state)
	defer jc.stop()

	// Online: the jump client is connected and the site keeps writing.
	archive := filepath.Join(t.TempDir(), "tether-backup.tar.gz")
	out, err := run(t, "", "backup", "--data", s.Data, "--to", archive)
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if !strings.Contains(squeeze(out), "sessions  1") || !strings.Contains(out, "site.key") {
		t.Errorf("backup output:\n%s", out)
	}
	if fi, err := os.Stat(archive); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("archive: %v %v", fi.Mode(), err)
	}
	jc.stop()
	s.Stop()

	if _, err := run(t, "", "restore", "--from", archive, "--data", s.Data); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore over the live data dir: %v", err)
	}
	data := filepath.Join(t.TempDir(), "restored")
	if out, err = run(t, "", "restore", "--from", archive, "--data", data); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	for _, f := range []string{"site.key", "codes.secret", "tls.crt", "tls.key", "tether.db"} {
		a, _ := os.ReadFile(filepath.Join(s.Data, f))
		b, err := os.ReadFile(filepath.Join(data, f))
		if err != nil {
			t.Fatalf("restored %s: %v", f, err)
		}
		if f != "tether.db" && string(a) != string(b) {
			t.Errorf("%s differs after restore", f)
		}
		if fi, _ := os.Stat(filepath.Join(data, f)); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", f, fi.Mode())
		}
	}

	s2 := sitetest.Start(t, func(o *site.Options) {
		o.DataDir, o.Listen, o.PublicURL = data, s.Options().Listen, s.URL
	})
	if s2.Server.CertPin() != s.Server.CertPin() || !s2.Server.SiteKey().Equal(s.Server.SiteKey()) {
		t.Fatal("the certificate or the site key changed")
	}
	if got := s2.Get(sess.ID); got.Status != "downloaded" {
		t.Fatalf("session after restore: %+v", got)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- agent.RunSupport(ctx, agent.SupportOptions{Executable: app, StateDir: t.TempDir(),
			SecurityCode: sess.SecurityCode, Stdin: strings.NewReader("")})
	}()
	sitetest.WaitFor(t, "the support app downloaded before the backup activates", func() bool {
		return s2.Get(sess.ID).Status == "activated"
	})
	again := runJumpClient(t, s2, exe, state)
	defer again.stop()
	if again.id != jc.id {
		t.Fatalf("jump client came back as %s, was %s", again.id, jc.id)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("support app did not stop")
	}
}

// A PostgreSQL site's backup holds the keys and says how to dump the
// database; restoring it gives the keys back.
func TestBackupPostgresKeysOnly(t *testing.T) {
	pg := pgtest.Start(t)
	data := t.TempDir()
	if _, err := run(t, "", "key", "--data", data); err != nil { // creates site.key
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(data, "codes.secret"), []byte("0123456789abcdef0123456789abcdef"), 0o600)
	archive := filepath.Join(t.TempDir(), "keys.tar.gz")
	out, err := run(t, "", "backup", "--data", data, "--database", pg, "--to", archive)
	if err != nil || !strings.Contains(out, "pg_dump") || strings.Contains(out, "tether.db") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	restored := filepath.Join(t.TempDir(), "new")
	if out, err = run(t, "", "restore", "--from", archive, "--data", restored); err != nil || !strings.Contains(out, "pg_restore") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	a, _ := os.ReadFile(filepath.Join(data, "site.key"))
	b, _ := os.ReadFile(filepath.Join(restored, "site.key"))
	if len(a) == 0 || string(a) != string(b) {
		t.Fatal("site.key not restored")
	}
}
