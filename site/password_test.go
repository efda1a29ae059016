package site_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/tetherhq/tether/internal/sitetest"
)

// consoleClient is a browser's side of the console: a cookie jar and the
// login's CSRF token.
type consoleClient struct {
	t    *testing.T
	s    *sitetest.Site
	c    *http.Client
	csrf string
}

func newConsoleClient(t *testing.T, s *sitetest.Site) *consoleClient {
	jar, _ := cookiejar.New(nil)
	return &consoleClient{t: t, s: s, c: &http.Client{Transport: s.Client.Transport, Jar: jar}}
}

// do sends a JSON request with the CSRF token and returns the status and
// the error code, if any.
func (cc *consoleClient) do(method, path string, body any) (int, string) {
	cc.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, cc.s.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", cc.csrf)
	res, err := cc.c.Do(req)
	if err != nil {
		cc.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		CSRF  string
		Error struct{ Code string }
	}
	json.NewDecoder(res.Body).Decode(&out)
	if out.CSRF != "" {
		cc.csrf = out.CSRF
	}
	return res.StatusCode, out.Error.Code
}

// TestChangeOwnPassword: a technician changes their own password from the
// console: the current one is asked again (a wrong one is a failed login,
// limited as logins are), a short new one is refused, and the change ends
// every console login of the user — this one and one in another browser —
// while the new password logs in and the old one no longer does.
func TestChangeOwnPassword(t *testing.T) {
	s := sitetest.Start(t, nil)
	here, there := newConsoleClient(t, s), newConsoleClient(t, s)
	for _, cc := range []*consoleClient{here, there} {
		if st, _ := cc.do("POST", "/api/v1/login", map[string]string{"name": "tech", "password": "tech-password"}); st != 200 {
			t.Fatalf("login: %d", st)
		}
	}
	change := func(current, next string) (int, string) {
		return here.do("PUT", "/api/v1/me/password", map[string]string{"current_password": current, "new_password": next})
	}
	for _, c := range []struct {
		current, next string
		status        int
		code          string
	}{
		{"wrong-password", "a-new-password", 403, "forbidden"},
		{"tech-password", "short", 400, "bad_request"},
		{"tech-password", "tech-password", 400, "bad_request"},
	} {
		if st, code := change(c.current, c.next); st != c.status || code != c.code {
			t.Fatalf("change from %q to %q: %d %s, want %d %s", c.current, c.next, st, code, c.status, c.code)
		}
	}
	if st, _ := there.do("GET", "/api/v1/me", nil); st != 200 {
		t.Fatalf("refused changes ended the other login: %d", st)
	}
	if st, _ := change("tech-password", "a-new-password"); st != 200 {
		t.Fatalf("change: %d", st)
	}
	for name, cc := range map[string]*consoleClient{"this": here, "another browser's": there} {
		if st, _ := cc.do("GET", "/api/v1/me", nil); st != 401 {
			t.Errorf("%s login after the change: %d", name, st)
		}
	}
	if st := s.Do("", "POST", "/api/v1/login", map[string]string{"name": "tech", "password": "tech-password"}, nil); st != 401 {
		t.Fatalf("the old password: %d", st)
	}
	if st := s.Do("", "POST", "/api/v1/login", map[string]string{"name": "tech", "password": "a-new-password"}, nil); st != 200 {
		t.Fatalf("the new password: %d", st)
	}
	var audit struct {
		Items []struct{ Event, Actor string }
	}
	s.Do(s.AddTechnician("boss", true), "GET", "/api/v1/audit?event=password_changed", nil, &audit)
	if len(audit.Items) != 1 || audit.Items[0].Actor != "tech" {
		t.Fatalf("audit: %+v", audit.Items)
	}
}

// TestChangePasswordGuessesLimited: guessing the current password through
// the change is limited like logins.
func TestChangePasswordGuessesLimited(t *testing.T) {
	s := sitetest.Start(t, nil)
	cc := newConsoleClient(t, s)
	cc.do("POST", "/api/v1/login", map[string]string{"name": "tech", "password": "tech-password"})
	var st int
	var code string
	for range 15 {
		st, code = cc.do("PUT", "/api/v1/me/password", map[string]string{"current_password": "guess", "new_password": "a-new-password"})
	}
	if st != 429 || !strings.Contains(code, "too_many") {
		t.Fatalf("guessing the current password: %d %s", st, code)
	}
}
