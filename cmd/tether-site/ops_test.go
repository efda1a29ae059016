package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/internal/pgtest"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestMigrateToPostgres moves a SQLite site with data made through the API
// (a session, an enrolled jump client) to PostgreSQL with `tether-site
// migrate`, starts the site on PostgreSQL with the same data dir (keys,
// certificate) and address, logs in, finds the data, and sees the jump
// client come back: its pinned certificate and site key still match.
func TestMigrateToPostgres(t *testing.T) {
	s := sitetest.Start(t, nil)
	sess := s.CreateSession(map[string]any{"customer_name": "Ada", "password": "access-pw"})
	exe := installer(t, s)
	state := t.TempDir()
	jc := runJumpClient(t, s, exe, state)
	jc.stop()
	s.Stop()

	pg := pgtest.Start(t)
	out, err := run(t, "", "migrate", "--data", s.Data, "--to", pg)
	if err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	for _, want := range []string{"sessions  1", "jump_clients  1", "users  1", "installers  1"} {
		if !strings.Contains(squeeze(out), want) {
			t.Errorf("migrate output lacks %q:\n%s", want, out)
		}
	}
	if pw := pgPassword(pg); pw != "" && strings.Contains(out, pw) {
		t.Errorf("migrate printed the database password:\n%s", out)
	}
	if _, err := run(t, "", "migrate", "--data", s.Data, "--to", pg); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("second migrate into the same database: %v", err)
	}

	s2 := sitetest.Start(t, func(o *site.Options) {
		o.DataDir, o.Database, o.Listen, o.PublicURL = s.Data, pg, s.Options().Listen, s.URL
	})
	if s2.Server.CertPin() != s.Server.CertPin() {
		t.Fatal("the certificate changed")
	}
	c := login(t, s2, "tech", "tech-password")
	var got struct{ CustomerName, Status string }
	if st := getJSON(t, c, s2.URL+"/api/v1/sessions/"+sess.ID, &got); st != 200 || got.Status != "created" {
		t.Fatalf("session after migration: %d %+v", st, got)
	}
	// The first site's API token was migrated too (only its hash is stored).
	if st := s2.Do(s.Token, "GET", "/api/v1/sessions/"+sess.ID, nil, nil); st != 200 {
		t.Fatalf("old token: %d", st)
	}
	var list struct {
		Items []struct{ ID, Tag, Status string }
	}
	if st := getJSON(t, c, s2.URL+"/api/v1/jump-clients", &list); st != 200 || len(list.Items) != 1 ||
		list.Items[0].ID != jc.id || list.Items[0].Tag != "lab" {
		t.Fatalf("jump clients after migration: %d %+v", st, list)
	}
	again := runJumpClient(t, s2, exe, state)
	defer again.stop()
	if again.id != jc.id {
		t.Fatalf("the jump client came back as %s, was %s", again.id, jc.id)
	}
}

// TestCLIOnPostgres runs the store commands with --database.
func TestCLIOnPostgres(t *testing.T) {
	pg := pgtest.Start(t)
	data := t.TempDir()
	if out, err := run(t, "long-enough-pw\n", "user", "add", "alice", "--password-stdin", "--data", data, "--database", pg); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	out, err := run(t, "", "token", "create", "alice", "--database", pg)
	if err != nil || !strings.HasPrefix(out, "tth_") {
		t.Fatalf("token create: %q %v", out, err)
	}
	if out, err = run(t, "", "token", "list", "--database", pg); err != nil || !strings.Contains(out, "alice") {
		t.Fatalf("token list: %q %v", out, err)
	}
	if out, err = run(t, "", "user", "access", "alice", "--team", "lab", "--database", pg); err != nil {
		t.Fatalf("user access: %q %v", out, err)
	}
	if out, err = run(t, "", "token", "revoke", "1", "--database", pg); err != nil {
		t.Fatalf("token revoke: %q %v", out, err)
	}
	// Nothing went to the data dir's SQLite database.
	if _, err := os.Stat(filepath.Join(data, "tether.db")); err == nil {
		t.Fatal("--database postgres wrote a SQLite database")
	}
}

func squeeze(s string) string {
	for strings.Contains(s, "   ") {
		s = strings.ReplaceAll(s, "   ", "  ")
	}
	return s
}

func pgPassword(dsn string) string {
	_, rest, _ := strings.Cut(dsn, "://")
	userinfo, _, _ := strings.Cut(rest, "@")
	_, pw, _ := strings.Cut(userinfo, ":")
	return pw
}

func installer(t *testing.T, s *sitetest.Site) string {
	t.Helper()
	var in struct {
		DownloadURL string `json:"download_url"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"platform": "linux-amd64", "tag": "lab", "valid_for": "1h"}, &in); st != 201 {
		t.Fatalf("create installer: %d", st)
	}
	res, err := s.Client.Get(in.DownloadURL + "?format=raw")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	p := filepath.Join(t.TempDir(), "tether")
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

type jumpClient struct {
	id   string
	stop func()
}

// runJumpClient runs a real jump client until the site lists it online.
func runJumpClient(t *testing.T, s *sitetest.Site, exe, state string) *jumpClient {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	// Its log goes to the test's output: shown when the test fails.
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	go func() {
		done <- agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: state, Logger: log})
	}()
	var once sync.Once
	jc := &jumpClient{stop: func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Error("jump client did not stop")
			}
		})
	}}
	t.Cleanup(cancel)
	sitetest.WaitFor(t, "jump client online", func() bool {
		var l struct{ Items []struct{ ID, Status string } }
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		for _, it := range l.Items {
			if it.Status == "online" {
				jc.id = it.ID
				return true
			}
		}
		return false
	})
	return jc
}

// login logs in like the console and returns a client with the cookie.
func login(t *testing.T, s *sitetest.Site, name, password string) *http.Client {
	t.Helper()
	c, st := postLogin(t, s.URL, name, password)
	if st != 200 {
		t.Fatalf("login: %d", st)
	}
	return c
}

func getJSON(t *testing.T, c *http.Client, url string, out any) int {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %d: %v", url, res.StatusCode, err)
	}
	return res.StatusCode
}
