package agent_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/internal/sitetest"
)

// viewGrant asks the site for a view of session id and returns the
// viewer's stream URL (wss://…?token=…).
func viewGrant(t *testing.T, s *sitetest.Site, id string) string {
	t.Helper()
	var grant struct{ Stream, Token string }
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+id+"/view", map[string]any{"password": "access-pw"}, &grant); st != 201 {
		t.Fatalf("view: %d", st)
	}
	return strings.Replace(s.URL, "https", "wss", 1) + "/api/v1/sessions/" + id + "/stream/" + grant.Stream + "?token=" + grant.Token
}

func dialViewer(ctx context.Context, s *sitetest.Site, u string, h http.Header) (*websocket.Conn, *http.Response, error) {
	if h == nil {
		h = http.Header{}
	}
	h.Set("Authorization", "Bearer "+s.Token)
	return websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}},
		HTTPHeader: h,
	})
}

// A view the customer denies is audited as a denial, the viewer is told
// why, and the session never shows "connected" (D2, D5).
func TestDeniedViewIsAuditedNeverConnected(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss, _, _, a := activeApp(t, s) // answers no consent question: denies
	defer a.cancel()
	conn, _, err := dialViewer(t.Context(), s, viewGrant(t, s, ss.ID), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, _, err = conn.Read(ctx)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation || ce.Reason != "The customer denied screen sharing." {
		t.Fatalf("viewer got %v, want the denial", err)
	}
	if g := s.Get(ss.ID); g.Status != "activated" {
		t.Fatalf("status after a denied view: %s", g.Status)
	}
	var audit struct{ Items []struct{ Event string } }
	s.Do(s.Token, "GET", "/api/v1/audit?session="+ss.ID, nil, &audit)
	var events []string
	for _, e := range audit.Items {
		events = append(events, e.Event)
	}
	joined := strings.Join(events, ",")
	if !strings.Contains(joined, "view_denied") || strings.Contains(joined, "connected") {
		t.Fatalf("audit of a denied view: %s", joined)
	}
}

// A viewer request the WebSocket library would refuse is answered in the
// SPEC error shape before the one-time token is spent: a retry works.
func TestViewerUpgradeRefusalsKeepTheToken(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss, _, _, a := activeApp(t, s)
	defer a.cancel()
	u := viewGrant(t, s, ss.ID)
	plain := strings.Replace(u, "wss", "https", 1)
	for _, tc := range []struct {
		name   string
		header http.Header
		status int
		code   string
	}{
		{"no upgrade", nil, 426, "upgrade_required"},
		{"cross origin", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-WebSocket-Version": {"13"},
			"Sec-WebSocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Origin": {"https://evil.example"}}, 403, "forbidden"},
	} {
		req, _ := http.NewRequest("GET", plain, nil)
		for k, v := range tc.header {
			req.Header[k] = v
		}
		req.Header.Set("Authorization", "Bearer "+s.Token)
		res, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var eb sitetest.ErrorBody
		json.NewDecoder(res.Body).Decode(&eb)
		res.Body.Close()
		if res.StatusCode != tc.status || eb.Error.Code != tc.code || eb.Error.Message == "" {
			t.Fatalf("%s: %d %+v, want %d %s", tc.name, res.StatusCode, eb, tc.status, tc.code)
		}
	}
	conn, _, err := dialViewer(t.Context(), s, u, nil)
	if err != nil {
		t.Fatalf("the token was burnt by a refused upgrade: %v", err)
	}
	conn.CloseNow()
}
