package site_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/site/store"
)

// TestAuthDisabledUser: a disabled user is refused on every request, also
// with a console login or API token that a race created after the disable
// deleted theirs (a password check or `token create` that had read the
// user just before), and their right password gets the answer of a wrong
// one.
func TestAuthDisabledUser(t *testing.T) {
	s := sitetest.Start(t, nil)
	ctx := context.Background()
	if err := site.SetUserDisabled(ctx, s.DB(), "tech", true); err != nil {
		t.Fatal(err)
	}
	if st := s.Do(s.Token, "GET", "/api/v1/sessions", nil, nil); st != 401 {
		t.Errorf("the token of a disabled user: %d, want 401", st)
	}

	st, err := store.Open(ctx, s.DB())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByName(ctx, "tech")
	if err != nil {
		t.Fatal(err)
	}
	const rawToken, rawCookie = "tth_created-by-a-race", "cookie-created-by-a-race"
	hash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	if err := st.AddToken(ctx, &store.Token{UserID: u.ID, Name: "race", Hash: hash(rawToken), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.AddLogin(ctx, &store.Login{Hash: hash(rawCookie), UserID: u.ID, CSRF: "csrf",
		ExpiresAt: s.Clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if st := s.Do(rawToken, "GET", "/api/v1/sessions", nil, nil); st != 401 {
		t.Errorf("a token created after the disable: %d, want 401", st)
	}
	for _, method := range []string{"GET", "POST"} {
		req, _ := http.NewRequest(method, s.URL+"/api/v1/sessions", strings.NewReader("{}"))
		req.Header.Set("Cookie", "__Host-tether="+rawCookie)
		req.Header.Set("X-CSRF-Token", "csrf")
		res, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 401 {
			t.Errorf("%s with a login created after the disable: %d, want 401", method, res.StatusCode)
		}
	}

	right, wrong := loginError(t, s, "tech-password"), loginError(t, s, "not-the-password")
	if right != wrong || !strings.Contains(right, "Wrong name or password.") {
		t.Errorf("login of a disabled user: %s; with a wrong password: %s", right, wrong)
	}
}

// loginError logs tech in and returns the answer's status and body.
func loginError(t *testing.T, s *sitetest.Site, password string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"name": "tech", "password": password})
	res, err := s.Client.Post(s.URL+"/api/v1/login", "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body json.RawMessage
	json.NewDecoder(res.Body).Decode(&body)
	return res.Status + " " + string(body)
}
