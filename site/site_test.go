package site_test

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/syncbuf"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/wire"
)

func wantError(t *testing.T, st int, eb *sitetest.ErrorBody, status int, code wire.Code) {
	t.Helper()
	if st != status || eb.Error.Code != string(code) {
		t.Fatalf("got %d %+v, want %d %s", st, eb, status, code)
	}
	if code.Known() && !wire.Generic(code) && eb.Error.Message != code.Message() {
		t.Fatalf("message %q, want %q", eb.Error.Message, code.Message())
	}
}

func TestCreateSessionAnswer(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(map[string]any{"customer_name": "Ann", "expires_in": "2h"})
	if _, ok := wire.NormalizeSessionCode(ss.Code); !ok || len(ss.Code) != 9 {
		t.Fatalf("code %q", ss.Code)
	}
	if ss.SecurityCode == "" || ss.Status != "created" || !strings.HasSuffix(ss.DownloadURL, "/download/"+ss.Code) {
		t.Fatalf("answer %+v", ss)
	}
	if want := s.Clock.Now().Add(2 * 3600e9); !ss.ExpiresAt.Equal(want) {
		t.Fatalf("expires %v want %v", ss.ExpiresAt, want)
	}
	// The security code is shown once: reads never carry it.
	var raw map[string]any
	s.Do(s.Token, "GET", "/api/v1/sessions/"+ss.ID, nil, &raw)
	if _, ok := raw["security_code"]; ok {
		t.Fatal("security code readable after creation")
	}
	// ... nor is it anywhere in the database file in clear.
	db, _ := os.ReadFile(s.Data + "/tether.db")
	wal, _ := os.ReadFile(s.Data + "/tether.db-wal")
	if bytes.Contains(append(db, wal...), []byte(ss.SecurityCode)) {
		t.Fatal("security code stored in clear")
	}
}

func TestCreateSessionValidation(t *testing.T) {
	s := sitetest.Start(t, nil)
	for name, body := range map[string]map[string]any{
		"short password":  {"password": "short"},
		"bad duration":    {"password": "access-pw", "expires_in": "soon"},
		"negative expiry": {"password": "access-pw", "expires_in": "-1h"},
		"too long":        {"password": "access-pw", "expires_in": "9000h"},
		"bad e-mail":      {"password": "access-pw", "customer_email": "not-an-address"},
		"1ns expiry":      {"password": "access-pw", "expires_in": "1ns"},
		"sub-second":      {"password": "access-pw", "expires_in": "999ms"},
		"201 characters":  {"password": "access-pw", "customer_name": strings.Repeat("é", 201)},
	} {
		t.Run(name, func(t *testing.T) {
			var eb sitetest.ErrorBody
			st := s.Do(s.Token, "POST", "/api/v1/sessions", body, &eb)
			wantError(t, st, &eb, 400, wire.BadRequest)
		})
	}
}

func TestLimits(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.LimitPerSite = 2 })
	first := s.CreateSession(nil)
	var eb sitetest.ErrorBody
	st := s.Do(s.Token, "POST", "/api/v1/sessions", map[string]any{"password": "access-pw"}, &eb)
	wantError(t, st, &eb, 429, wire.LimitTechnician)
	b := s.AddTechnician("b", false)
	c := s.AddTechnician("c", false)
	if st := s.Do(b, "POST", "/api/v1/sessions", map[string]any{"password": "access-pw"}, nil); st != 201 {
		t.Fatalf("b: %d", st)
	}
	st = s.Do(c, "POST", "/api/v1/sessions", map[string]any{"password": "access-pw"}, &eb)
	wantError(t, st, &eb, 429, wire.LimitSite)
	// Ending a session frees its slot.
	s.Do(s.Token, "POST", "/api/v1/sessions/"+first.ID+"/close", nil, nil)
	if st := s.Do(c, "POST", "/api/v1/sessions", map[string]any{"password": "access-pw"}, nil); st != 201 {
		t.Fatalf("c after close: %d", st)
	}
}

func TestDownloadStates(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.LimitPerTech = -1 })
	closed := s.CreateSession(nil)
	s.Do(s.Token, "POST", "/api/v1/sessions/"+closed.ID+"/close", nil, nil)
	_, st, eb := s.Download(closed.Code, "linux-amd64", t.TempDir())
	wantError(t, st, eb, 410, wire.AppNotAvailable)

	deleted := s.CreateSession(nil)
	s.Do(s.Token, "DELETE", "/api/v1/sessions/"+deleted.ID, nil, nil)
	_, st, eb = s.Download(deleted.Code, "linux-amd64", t.TempDir())
	wantError(t, st, eb, 410, wire.AppNotAvailable)
	if g := s.Get(deleted.ID); g.Status != "deleted" {
		t.Fatalf("status %s", g.Status)
	}

	live := s.CreateSession(nil)
	_, st, eb = s.Download(live.Code, "plan9-mips", t.TempDir())
	if st != 404 || eb.Error.Code != string(wire.Unsupported) || !strings.Contains(eb.Error.Message, "linux-amd64, windows-amd64") {
		t.Fatalf("unknown platform: %d %+v", st, eb)
	}
	_, st, eb = s.Download("123456789", "linux-amd64", t.TempDir()) // check digit wrong
	wantError(t, st, eb, 403, wire.SessionInvalid)

	// Browsers get a page with the A9 text.
	req, _ := http.NewRequest("GET", s.URL+"/download/"+closed.Code, nil)
	req.Header.Set("Accept", "text/html")
	res, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 410 || !strings.Contains(string(body), "App not available") {
		t.Fatalf("page: %d %s", res.StatusCode, body)
	}
	// Windows downloads are named .exe.
	res, _ = s.Client.Get(s.URL + "/download/" + live.Code + "?platform=windows-amd64")
	res.Body.Close()
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, ".exe") {
		t.Fatalf("disposition %q", cd)
	}
}

func TestDownloadRateLimit(t *testing.T) {
	s := sitetest.Start(t, nil)
	var last int
	for i := 0; i < 40; i++ {
		code := wire.NewSessionCode()
		_, last, _ = s.Download(code, "linux-amd64", t.TempDir())
		if last == 429 {
			break
		}
	}
	if last != 429 {
		t.Fatalf("guessing codes was never limited (last %d)", last)
	}
}

func TestAuthorization(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(nil)
	other := s.AddTechnician("other", false)
	admin := s.AddTechnician("boss", true)
	var eb sitetest.ErrorBody
	if st := s.Do(other, "GET", "/api/v1/sessions/"+ss.ID, nil, &eb); st != 404 {
		t.Fatalf("other technician: %d", st)
	}
	if st := s.Do(other, "POST", "/api/v1/sessions/"+ss.ID+"/close", nil, nil); st != 404 {
		t.Fatalf("other technician close: %d", st)
	}
	if st := s.Do(admin, "GET", "/api/v1/sessions/"+ss.ID, nil, nil); st != 200 {
		t.Fatalf("admin: %d", st)
	}
	if st := s.Do("", "GET", "/api/v1/sessions", nil, &eb); st != 401 {
		t.Fatalf("anonymous: %d", st)
	}
	if st := s.Do("tth_forged", "GET", "/api/v1/sessions", nil, &eb); st != 401 {
		t.Fatalf("forged token: %d", st)
	}
	if st := s.Do(other, "GET", "/api/v1/audit", nil, &eb); st != 403 {
		t.Fatalf("whole audit log as technician: %d", st)
	}
	var audit struct{ Items []map[string]any }
	if st := s.Do(admin, "GET", "/api/v1/audit", nil, &audit); st != 200 || len(audit.Items) == 0 {
		t.Fatalf("admin audit: %d %d", st, len(audit.Items))
	}
}

func TestConsoleLoginCookieAndCSRF(t *testing.T) {
	s := sitetest.Start(t, nil)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: s.Client.Transport, Jar: jar}
	post := func(path, csrf string, body any) *http.Response {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", s.URL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := post("/api/v1/login", "", map[string]string{"name": "tech", "password": "wrong-password"}); res.StatusCode != 401 {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	res := post("/api/v1/login", "", map[string]string{"name": "tech", "password": "tech-password"})
	if res.StatusCode != 200 {
		t.Fatalf("login: %d", res.StatusCode)
	}
	cookie := res.Header.Get("Set-Cookie")
	for _, want := range []string{"__Host-tether=", "HttpOnly", "Secure", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Fatalf("cookie %q lacks %s", cookie, want)
		}
	}
	var login struct{ CSRF string }
	json.NewDecoder(res.Body).Decode(&login)
	if res := post("/api/v1/sessions", "", map[string]string{"password": "access-pw"}); res.StatusCode != 403 {
		t.Fatalf("no CSRF token: %d", res.StatusCode)
	}
	if res := post("/api/v1/sessions", "forged", map[string]string{"password": "access-pw"}); res.StatusCode != 403 {
		t.Fatalf("wrong CSRF token: %d", res.StatusCode)
	}
	if res := post("/api/v1/sessions", login.CSRF, map[string]string{"password": "access-pw"}); res.StatusCode != 201 {
		t.Fatalf("with CSRF token: %d", res.StatusCode)
	}
}

func TestLoginRateLimit(t *testing.T) {
	s := sitetest.Start(t, nil)
	var last int
	for i := 0; i < 15; i++ {
		last = s.Do("", "POST", "/api/v1/login", map[string]string{"name": "tech", "password": "guess"}, nil)
	}
	if last != 429 {
		t.Fatalf("password guessing not limited: %d", last)
	}
	// The limit holds even for the right password until time passes.
	if st := s.Do("", "POST", "/api/v1/login", map[string]string{"name": "tech", "password": "tech-password"}, nil); st != 429 {
		t.Fatalf("right password while limited: %d", st)
	}
	s.Clock.Advance(2 * 60e9)
	if st := s.Do("", "POST", "/api/v1/login", map[string]string{"name": "tech", "password": "tech-password"}, nil); st != 200 {
		t.Fatalf("after waiting: %d", st)
	}
}

// smtpSink is a real SMTP server (emersion/go-smtp) that keeps messages.
type smtpSink struct {
	mu   sync.Mutex
	msgs []string
	rcpt []string
}

func (b *smtpSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{b: b}, nil }

type smtpSession struct{ b *smtpSink }

func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Mail(string, *smtp.MailOptions) error {
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.b.mu.Lock()
	s.b.rcpt = append(s.b.rcpt, to)
	s.b.mu.Unlock()
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, string(b))
	s.b.mu.Unlock()
	return err
}

// startWithSMTP starts a site that sends e-mail to a real SMTP sink.
func startWithSMTP(t *testing.T) (*smtpSink, *sitetest.Site) {
	t.Helper()
	sink := &smtpSink{}
	srv := smtp.NewServer(sink)
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sink, sitetest.Start(t, func(o *site.Options) {
		o.SMTP = site.SMTPOptions{Addr: ln.Addr().String(), From: "support@example.test"}
	})
}

func TestEmailLink(t *testing.T) {
	sink, s := startWithSMTP(t)
	ss := s.CreateSession(map[string]any{"customer_name": "Ann", "customer_email": "ann@example.test"})
	if ss.EmailSentAt == nil || !ss.EmailSentAt.Equal(s.Clock.Now()) || ss.EmailError != "" {
		t.Fatalf("email not recorded: %+v", ss)
	}
	if g := s.Get(ss.ID); g.EmailSentAt == nil {
		t.Fatal("send time not stored")
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.msgs) != 1 || sink.rcpt[0] != "ann@example.test" {
		t.Fatalf("messages %d rcpt %v", len(sink.msgs), sink.rcpt)
	}
	if !strings.Contains(sink.msgs[0], ss.DownloadURL) || strings.Contains(sink.msgs[0], ss.SecurityCode) {
		t.Fatalf("mail must carry the link and not the security code:\n%s", sink.msgs[0])
	}
}

func TestEmailInstallerToSeveral(t *testing.T) {
	sink, s := startWithSMTP(t)
	var in struct {
		DownloadURL string            `json:"download_url"`
		EmailErrors map[string]string `json:"email_errors"`
	}
	to := []string{"ops1@example.test", "ops2@example.test"}
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"email_to": to}, &in); st != 201 || len(in.EmailErrors) != 0 {
		t.Fatalf("create: %d %+v", st, in)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.msgs) != 2 || !slices.Equal(sink.rcpt, to) {
		t.Fatalf("messages %d rcpt %v", len(sink.msgs), sink.rcpt)
	}
	for _, m := range sink.msgs {
		if !strings.Contains(m, in.DownloadURL) {
			t.Fatalf("mail without the link:\n%s", m)
		}
	}
	var eb sitetest.ErrorBody
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"email_to": []string{"x\r\nBcc: evil@example.test"}}, &eb); st != 400 {
		t.Fatalf("header injection accepted: %d", st)
	}
}

// Others guessing a technician's password, from anywhere, never keep the
// technician out: their addresses run out of tries, the name only slows
// down.
func TestLoginNotLockedByOthers(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.LoginMaxDelay = 10 * time.Millisecond })
	wrong := map[string]string{"name": "tech", "password": "guess"}
	for i := range 12 {
		c := s.ClientFrom(fmt.Sprintf("127.0.0.%d", 10+i))
		for range 6 {
			s.DoFrom(c, "", "POST", "/api/v1/login", wrong, nil)
		}
		c.CloseIdleConnections()
	}
	var eb sitetest.ErrorBody
	attacker := s.ClientFrom("127.0.0.10")
	if st := s.DoFrom(attacker, "", "POST", "/api/v1/login", wrong, &eb); st != 429 || eb.Error.Code != "too_many_requests" {
		t.Fatalf("a guessing address: %d %+v", st, eb)
	}
	right := map[string]string{"name": "tech", "password": "tech-password"}
	if st := s.DoFrom(s.ClientFrom("127.0.0.200"), "", "POST", "/api/v1/login", right, nil); st != 200 {
		t.Fatalf("the right password from another address after 72 wrong guesses: %d", st)
	}
}

// A foreign page cannot log the browser in (login CSRF): a plain form's
// text/plain body and a cross-site Origin are refused in the SPEC shape.
func TestLoginCSRFRefused(t *testing.T) {
	s := sitetest.Start(t, nil)
	body := `{"name":"tech","password":"tech-password"}`
	for _, tc := range []struct {
		name, ctype, origin, fetchSite string
		status                         int
		code                           string
	}{
		{"text/plain form", "text/plain", "", "", 415, "unsupported_media_type"},
		{"urlencoded form", "application/x-www-form-urlencoded", "", "", 415, "unsupported_media_type"},
		{"cross-site origin", "application/json", "https://evil.example", "", 403, "forbidden"},
		{"null origin", "application/json", "null", "", 403, "forbidden"},
		{"cross-site fetch", "application/json", "", "cross-site", 403, "forbidden"},
		{"same origin", "application/json", s.URL, "same-origin", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", s.URL+"/api/v1/login", strings.NewReader(body))
			req.Header.Set("Content-Type", tc.ctype)
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			if tc.fetchSite != "" {
				req.Header.Set("Sec-Fetch-Site", tc.fetchSite)
			}
			res, err := s.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var eb sitetest.ErrorBody
			json.NewDecoder(res.Body).Decode(&eb)
			if res.StatusCode != tc.status || eb.Error.Code != tc.code {
				t.Fatalf("got %d %q, want %d %q", res.StatusCode, eb.Error.Code, tc.status, tc.code)
			}
			if tc.status != 200 && res.Header.Get("Set-Cookie") != "" {
				t.Fatal("a refused login set a cookie")
			}
		})
	}
}

// Many addresses of one network share its budget of code lookups: 50
// addresses of one /24 making 1,000 lookups get the prefix's burst.
func TestCodeLookupsLimitedPerNetwork(t *testing.T) {
	s := sitetest.Start(t, nil)
	ok := 0
	for i := range 50 {
		c := s.ClientFrom(fmt.Sprintf("127.0.0.%d", 10+i))
		for range 20 {
			var eb sitetest.ErrorBody
			if st := s.DoFrom(c, "", "GET", "/download/"+wire.NewSessionCode(), nil, &eb); st != 429 {
				ok++
			}
		}
		c.CloseIdleConnections()
	}
	if ok > 60 {
		t.Fatalf("%d of 1000 lookups from one /24 were answered, want at most 60", ok)
	}
	// Another network is not affected.
	var eb sitetest.ErrorBody
	if st := s.DoFrom(s.ClientFrom("127.0.1.10"), "", "GET", "/download/"+wire.NewSessionCode(), nil, &eb); st != 403 {
		t.Fatalf("a lookup from another /24: %d %+v", st, eb)
	}
}

// Misses from many networks, each under its own limit, close the site-wide
// gate and raise an alert in the log.
func TestCodeMissesAlert(t *testing.T) {
	var logs syncbuf.Buffer
	s := sitetest.Start(t, func(o *site.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	live := s.CreateSession(nil)
	refused := 0
	for i := range 120 {
		c := s.ClientFrom(fmt.Sprintf("127.0.%d.1", 2+i))
		var eb sitetest.ErrorBody
		if st := s.DoFrom(c, "", "GET", "/download/"+wire.NewSessionCode(), nil, &eb); st == 429 {
			refused++
		}
		c.CloseIdleConnections()
	}
	if refused < 15 {
		t.Fatalf("only %d of 120 misses from 120 networks were refused", refused)
	}
	if !strings.Contains(logs.String(), "ALERT") {
		t.Fatalf("no alert in the log:\n%s", logs.String())
	}
	// While the gate is closed even a real code waits; it opens again.
	s.Clock.Advance(10 * time.Minute)
	if _, st, eb := s.Download(live.Code, "linux-amd64", t.TempDir()); st != 200 {
		t.Fatalf("a real code after the gate recovered: %d %+v", st, eb)
	}
}

// API tokens can be listed and revoked by their owner or an admin; a
// revoked token stops working at once.
func TestTokenRevocation(t *testing.T) {
	s := sitetest.Start(t, nil)
	other := s.AddTechnician("other", false)
	admin := s.AddTechnician("boss", true)
	var created struct {
		ID    int64
		Token string
	}
	if st := s.Do(s.Token, "POST", "/api/v1/tokens", map[string]any{"name": "script"}, &created); st != 201 || !strings.HasPrefix(created.Token, "tth_") {
		t.Fatalf("create: %d %+v", st, created)
	}
	var mine struct {
		Items []struct {
			ID         int64
			Name, User string
		}
	}
	s.Do(created.Token, "GET", "/api/v1/tokens", nil, &mine)
	if len(mine.Items) != 2 || mine.Items[1].Name != "script" || mine.Items[1].User != "tech" {
		t.Fatalf("own tokens: %+v", mine.Items)
	}
	var all struct{ Items []struct{ ID int64 } }
	if s.Do(admin, "GET", "/api/v1/tokens", nil, &all); len(all.Items) != 4 {
		t.Fatalf("admin sees %d tokens, want all 4", len(all.Items))
	}
	var eb sitetest.ErrorBody
	path := fmt.Sprintf("/api/v1/tokens/%d", created.ID)
	if st := s.Do(other, "DELETE", path, nil, &eb); st != 404 || eb.Error.Code != "not_found" {
		t.Fatalf("another technician revokes: %d %+v", st, eb)
	}
	if st := s.Do(s.Token, "DELETE", path, nil, nil); st != 200 {
		t.Fatalf("owner revokes: %d", st)
	}
	if st := s.Do(created.Token, "GET", "/api/v1/sessions", nil, &eb); st != 401 {
		t.Fatalf("revoked token still works: %d", st)
	}
	if st := s.Do(admin, "DELETE", path, nil, &eb); st != 404 {
		t.Fatalf("revoking twice: %d", st)
	}
	var audit struct {
		Items []struct{ Event, Actor string }
	}
	s.Do(admin, "GET", "/api/v1/audit", nil, &audit)
	if !slices.ContainsFunc(audit.Items, func(e struct{ Event, Actor string }) bool { return e.Event == "token_revoked" && e.Actor == "tech" }) {
		t.Fatalf("revocation not audited: %+v", audit.Items)
	}
}

// TLS 1.2 is offered with forward-secret AEAD suites only; CBC-SHA1 suites
// and TLS 1.1 are refused.
func TestTLSSuites(t *testing.T) {
	s := sitetest.Start(t, nil)
	host := strings.TrimPrefix(s.URL, "https://")
	for _, tc := range []struct {
		name string
		cfg  *tls.Config
		ok   bool
	}{
		{"TLS 1.3", &tls.Config{MinVersion: tls.VersionTLS13}, true},
		{"TLS 1.2 GCM", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, true},
		{"TLS 1.2 CBC-SHA1", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}}, false},
		{"TLS 1.1", &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}, false},
	} {
		tc.cfg.InsecureSkipVerify = true
		c, err := tls.Dial("tcp", host, tc.cfg)
		if err == nil {
			c.Close()
		}
		if (err == nil) != tc.ok {
			t.Errorf("%s: handshake error %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// Text limits count characters, not bytes: 128 "é" (256 bytes) is a valid
// jump-client name and 129 is not; the customer name takes 200 "é".
func TestLengthsAreCharacters(t *testing.T) {
	s := sitetest.Start(t, nil)
	var ss sitetest.Session
	if st := s.Do(s.Token, "POST", "/api/v1/sessions", map[string]any{"password": "access-pw",
		"customer_name": strings.Repeat("é", 200)}, &ss); st != 201 {
		t.Fatalf("200-character customer name: %d", st)
	}
	var eb sitetest.ErrorBody
	body := map[string]any{"valid_for": "1h", "tag": strings.Repeat("é", 64), "comments": strings.Repeat("ü", 1024)}
	if st := s.Do(s.Token, "POST", "/api/v1/installers", body, &eb); st != 201 {
		t.Fatalf("64-character tag, 1024-character comments: %d %+v", st, eb)
	}
	body["tag"] = strings.Repeat("é", 65)
	if st := s.Do(s.Token, "POST", "/api/v1/installers", body, &eb); st != 400 || !strings.Contains(eb.Error.Message, "65 characters") {
		t.Fatalf("65-character tag: %d %+v", st, eb)
	}
}
