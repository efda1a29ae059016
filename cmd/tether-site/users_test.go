package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/pgtest"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/syncbuf"
	"github.com/tetherhq/tether/site"
)

// TestUserPasswdOnRunningSite is the bootstrap admin's way out: `serve`
// prints admin's password once (so it may sit in a log); `user passwd`
// changes it while the site runs, and the console login made with it ends
// at once.
func TestUserPasswdOnRunningSite(t *testing.T) {
	data := t.TempDir()
	url, banner := serveCLI(t, data)
	m := regexp.MustCompile(`Admin login: admin / (\S+)  \(shown once; change it with: tether-site user passwd admin --password-stdin\)`).
		FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("no admin login with the way to change it in:\n%s", banner)
	}
	oldPW := m[1]
	c, st := postLogin(t, url, "admin", oldPW)
	if st != 200 {
		t.Fatalf("login with the printed password: %d", st)
	}
	if st := getStatus(t, c, url+"/api/v1/sessions"); st != 200 {
		t.Fatalf("with the console cookie: %d", st)
	}

	out, err := run(t, "a-new-admin-password\n", "user", "passwd", "admin", "--password-stdin", "--data", data)
	if err != nil || out != "password of admin changed; its console logins ended\n" {
		t.Fatalf("user passwd: %q %v", out, err)
	}
	if st := getStatus(t, c, url+"/api/v1/sessions"); st != 401 {
		t.Errorf("the login made before the change: %d, want 401", st)
	}
	if _, st := postLogin(t, url, "admin", oldPW); st != 401 {
		t.Errorf("login with the old password: %d, want 401", st)
	}
	c, st = postLogin(t, url, "admin", "a-new-admin-password")
	if st != 200 {
		t.Fatalf("login with the new password: %d", st)
	}
	if st := getStatus(t, c, url+"/api/v1/sessions"); st != 200 {
		t.Fatalf("with the new console cookie: %d", st)
	}
}

func TestUserPasswdRefusals(t *testing.T) {
	data := t.TempDir()
	if _, err := run(t, "long-enough-pw\n", "user", "add", "alice", "--password-stdin", "--data", data); err != nil {
		t.Fatal(err)
	}
	_, addErr := run(t, "", "user", "add", "bob", "--data", data)
	_, err := run(t, "another-password\n", "user", "passwd", "alice", "--data", data)
	if err == nil || addErr == nil || err.Error() != addErr.Error() {
		t.Errorf("without --password-stdin: %v; user add says %v", err, addErr)
	}
	if _, err := run(t, "short\n", "user", "passwd", "alice", "--password-stdin", "--data", data); err == nil ||
		!strings.Contains(err.Error(), "at least 8") {
		t.Errorf("a short password: %v", err)
	}
	if _, err := run(t, "another-password\n", "user", "passwd", "nobody", "--password-stdin", "--data", data); err == nil ||
		!strings.Contains(err.Error(), `no user "nobody"`) {
		t.Errorf("an unknown user: %v", err)
	}
}

// TestUserPasswdOnPostgres ends the logins of a site running on PostgreSQL.
func TestUserPasswdOnPostgres(t *testing.T) {
	pg := pgtest.Start(t)
	s := sitetest.Start(t, func(o *site.Options) { o.Database = pg })
	c := login(t, s, "tech", "tech-password")
	if out, err := run(t, "new-tech-password\n", "user", "passwd", "tech", "--password-stdin", "--database", pg); err != nil {
		t.Fatalf("user passwd: %q %v", out, err)
	}
	if st := getStatus(t, c, s.URL+"/api/v1/sessions"); st != 401 {
		t.Errorf("the login made before the change: %d, want 401", st)
	}
	if _, st := postLogin(t, s.URL, "tech", "new-tech-password"); st != 200 {
		t.Errorf("login with the new password: %d", st)
	}
}

// TestUserDisableOnRunningSite takes access away from a technician who
// left, while the site runs: their console login, their API token and
// their password stop working at once; enabling lets the password in
// again but not the old token.
func TestUserDisableOnRunningSite(t *testing.T) {
	data := t.TempDir()
	url, _ := serveCLI(t, data)
	if _, err := run(t, "tech-password\n", "user", "add", "tech", "--password-stdin", "--data", data); err != nil {
		t.Fatal(err)
	}
	tok, err := run(t, "", "token", "create", "tech", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	tok = strings.TrimSpace(tok)
	c, st := postLogin(t, url, "tech", "tech-password")
	if st != 200 {
		t.Fatalf("login: %d", st)
	}
	if st := getStatus(t, c, url+"/api/v1/sessions"); st != 200 {
		t.Fatalf("with the console cookie: %d", st)
	}
	if st := bearerStatus(t, url+"/api/v1/sessions", tok); st != 200 {
		t.Fatalf("with the API token: %d", st)
	}

	out, err := run(t, "", "user", "disable", "tech", "--data", data)
	if err != nil || out != "user tech disabled: its console logins and API tokens ended\n" {
		t.Fatalf("user disable: %q %v", out, err)
	}
	if st := getStatus(t, c, url+"/api/v1/sessions"); st != 401 {
		t.Errorf("the console login of a disabled user: %d, want 401", st)
	}
	if st := bearerStatus(t, url+"/api/v1/sessions", tok); st != 401 {
		t.Errorf("the API token of a disabled user: %d, want 401", st)
	}
	right, rightBody := loginAnswer(t, url, "tech", "tech-password")
	wrong, wrongBody := loginAnswer(t, url, "tech", "not-the-password")
	if right != 401 || rightBody != wrongBody {
		t.Errorf("login of a disabled user with the right password: %d %s; a wrong one: %d %s", right, rightBody, wrong, wrongBody)
	}
	if _, err := run(t, "", "token", "create", "tech", "--data", data); err == nil ||
		!strings.Contains(err.Error(), "disabled") {
		t.Errorf("token create for a disabled user: %v", err)
	}

	out, err = run(t, "", "user", "enable", "tech", "--data", data)
	if err != nil || out != "user tech enabled\n" {
		t.Fatalf("user enable: %q %v", out, err)
	}
	c, st = postLogin(t, url, "tech", "tech-password")
	if st != 200 {
		t.Fatalf("login after enabling: %d", st)
	}
	if st := getStatus(t, c, url+"/api/v1/sessions"); st != 200 {
		t.Errorf("the new console login: %d", st)
	}
	if st := bearerStatus(t, url+"/api/v1/sessions", tok); st != 401 {
		t.Errorf("the token ended by disabling, after enabling: %d, want 401", st)
	}
}

// TestUserDisableRefusals: the site keeps an admin, and names are checked.
func TestUserDisableRefusals(t *testing.T) {
	data := t.TempDir()
	if _, err := run(t, "admin-password\n", "user", "add", "root", "--admin", "--password-stdin", "--data", data); err != nil {
		t.Fatal(err)
	}
	_, err := run(t, "", "user", "disable", "root", "--data", data)
	if err == nil || !strings.Contains(err.Error(), `"root" is the last enabled admin`) {
		t.Errorf("disabling the only admin: %v", err)
	}
	for _, verb := range []string{"disable", "enable"} {
		if _, err := run(t, "", "user", verb, "nobody", "--data", data); err == nil ||
			!strings.Contains(err.Error(), `no user "nobody"`) {
			t.Errorf("user %s of an unknown user: %v", verb, err)
		}
	}
	if _, err := run(t, "admin-password\n", "user", "add", "second", "--admin", "--password-stdin", "--data", data); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "", "user", "disable", "root", "--data", data); err != nil {
		t.Errorf("disabling an admin while another remains: %q %v", out, err)
	}
}

// bearerStatus GETs url with an API token.
func bearerStatus(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	c := &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// loginAnswer logs in and returns the status and body of the answer.
func loginAnswer(t *testing.T, url, name, password string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	c := &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err := c.Post(url+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// serveCLI runs `tether-site serve` on a free loopback port until the test
// ends and returns its URL and first-start output.
func serveCLI(t *testing.T, data string) (url, banner string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	url = "https://" + addr
	var out syncbuf.Buffer
	cmd := root()
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"serve", "--data", data, "--listen", addr, "--public-url", url, "--log-level", "error"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	sitetest.WaitFor(t, "serve to print the console URL and answer", func() bool {
		if !strings.Contains(out.String(), "Tether site:") {
			return false
		}
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
		}
		return err == nil
	})
	return url, out.String()
}

// postLogin logs in like the console; the client carries the cookie.
func postLogin(t *testing.T, url, name, password string) (*http.Client, int) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	res, err := c.Post(url+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return c, res.StatusCode
}

func getStatus(t *testing.T, c *http.Client, url string) int {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
