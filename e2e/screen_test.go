package e2e

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/stream"
)

// firstScreen opens a view of the session as the site's admin, the way the
// console does (grant, then the stream WebSocket), and returns the first
// screen the agent sends: proof that capture reaches a technician.
func firstScreen(t *testing.T, s *sitetest.Site, sessionID string) *stream.Screen {
	t.Helper()
	var grant struct{ Stream, Token string }
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+sessionID+"/view", map[string]any{}, &grant); st != 201 {
		t.Fatalf("view: %d", st)
	}
	u := strings.Replace(s.URL, "https", "wss", 1) + "/api/v1/sessions/" + sessionID + "/stream/" + grant.Stream + "?token=" + grant.Token
	conn, _, err := websocket.Dial(t.Context(), u, &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}},
		HTTPHeader: http.Header{"Authorization": {"Bearer " + s.Token}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(64 << 20)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("no screen from session %s: %v", sessionID, err)
		}
		if m, err := stream.DecodeAgentMessage(b); err == nil {
			if sc, ok := m.(*stream.Screen); ok {
				return sc
			}
		}
	}
}

// jumpClientBinary creates an installer (valid for an hour) and writes its
// raw jump-client download, the site's agent with the installer's signed
// config, as an executable in a temporary dir.
func jumpClientBinary(t *testing.T, s *sitetest.Site) string {
	t.Helper()
	var in struct {
		DownloadURL string `json:"download_url"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"valid_for": "1h"}, &in); st != 201 {
		t.Fatalf("installer: %d", st)
	}
	res, err := s.Client.Get(in.DownloadURL + "?format=raw")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("jump client download: %d %v", res.StatusCode, err)
	}
	exe := filepath.Join(t.TempDir(), "tether")
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}
