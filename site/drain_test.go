package site_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/syncbuf"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/wire"
)

// fakeView is a support app's view handler that streams a message every
// 20 ms until the viewer or the site ends the stream: the relay's side of
// a view without a screen to capture.
func fakeView(ctx context.Context, v *wire.View, s *agent.Support) {
	cfg := s.Config()
	conn, err := agent.Dial(ctx, cfg.SiteURL, cfg.CertPin,
		"/agent/v1/stream/"+url.PathEscape(v.Stream)+"?token="+url.QueryEscape(string(v.Token)))
	if err != nil {
		return
	}
	defer conn.CloseNow()
	go func() { // the viewer's messages (and its close)
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				return
			}
		}
	}()
	for i := 0; ; i++ {
		if err := conn.Write(ctx, websocket.MessageBinary, []byte{byte(i)}); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// fakeViewedApp starts a support app with fakeView for a new session
// (access password "access-pw") and waits until it is activated and
// online; it runs until the test ends.
func fakeViewedApp(t *testing.T, s *sitetest.Site) *sitetest.Session {
	t.Helper()
	sess := s.CreateSession(map[string]any{"password": "access-pw"})
	app, st, _ := s.Download(sess.Code, "linux-amd64", t.TempDir())
	if st != 200 {
		t.Fatalf("download: %d", st)
	}
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	go agent.RunSupport(ctx, agent.SupportOptions{Executable: app, StateDir: t.TempDir(),
		SecurityCode: sess.SecurityCode, Stdin: strings.NewReader(""), OnView: fakeView})
	sitetest.WaitFor(t, "support app activated", func() bool { g := s.Get(sess.ID); return g.Status == "activated" && g.Online })
	return sess
}

// TestDrain drains a site with a support app that is being viewed and a
// jump client: /readyz turns 503 at once, new agents and views are
// refused, both agents are told to reconnect, the view goes on until the
// viewer ends it, the site then stops by itself well before its drain
// timeout, and both agents come back to the site started again on the
// same data and address.
func TestDrain(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) {
		o.DrainTimeout, o.ReconnectWithin, o.Heartbeat = 20*time.Second, 300*time.Millisecond, 200*time.Millisecond
	})
	sess := s.CreateSession(map[string]any{"password": "access-pw"})
	app, st, _ := s.Download(sess.Code, "linux-amd64", t.TempDir())
	if st != 200 {
		t.Fatalf("download: %d", st)
	}
	appLog := &syncbuf.Buffer{}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go agent.RunSupport(ctx, agent.SupportOptions{Executable: app, StateDir: t.TempDir(),
		SecurityCode: sess.SecurityCode, Stdin: strings.NewReader(""), OnView: fakeView,
		Logger: slog.New(slog.NewTextHandler(appLog, nil))})
	sitetest.WaitFor(t, "support app activated", func() bool { g := s.Get(sess.ID); return g.Status == "activated" && g.Online })
	jcLog := &syncbuf.Buffer{}
	exe := installerExe(t, s)
	go agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(jcLog, nil))})
	jcID := waitJumpClientOnline(t, s)

	viewer := startViewer(t, s, sess.ID)
	defer viewer.CloseNow()
	readFrames(t, viewer, 3)
	sitetest.WaitFor(t, "metrics of the agents, the view and the beats", func() bool {
		m := metricsText(t, s)
		return strings.Contains(m, `tether_agents_connected{kind="jump",path="idle"} 1`) &&
			strings.Contains(m, `tether_agents_connected{kind="support",path="idle"} 1`) &&
			positive(m, `tether_relay_messages_total{direction="to_viewer"}`) &&
			positive(m, `tether_relay_bytes_total{direction="to_viewer"}`) &&
			positive(m, `tether_heartbeats_total`)
	})

	drained := make(chan time.Time, 1)
	start := time.Now()
	go func() { s.Server.Drain(); drained <- time.Now() }()

	if st := getStatus(t, s, "/readyz"); st != http.StatusServiceUnavailable {
		t.Fatalf("/readyz while draining: %d", st)
	}
	if st := getStatus(t, s, "/healthz"); st != http.StatusOK {
		t.Fatalf("/healthz while draining: %d", st)
	}
	var eb sitetest.ErrorBody
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+sess.ID+"/view", map[string]any{"password": "access-pw"}, &eb); st != 503 || eb.Error.Code != "site_draining" {
		t.Fatalf("new view while draining: %d %+v", st, eb)
	}
	if m := metricsText(t, s); !strings.Contains(m, "tether_draining 1") {
		t.Error("tether_draining is not 1 while draining")
	}
	sitetest.WaitFor(t, "both agents told to reconnect", func() bool {
		return strings.Contains(appLog.String(), "the site is draining") && strings.Contains(jcLog.String(), "the site is draining")
	})
	// The view outlives the support app's control connection.
	readFrames(t, viewer, 10)
	select {
	case <-drained:
		t.Fatal("the drain ended while a view was running")
	default:
	}
	viewer.Close(websocket.StatusNormalClosure, "technician done")
	var end time.Time
	select {
	case end = <-drained:
	case <-time.After(10 * time.Second):
		t.Fatal("the drain did not end after the last view")
	}
	if err := <-s.Served; err != nil {
		t.Fatalf("serve after the drain: %v", err)
	}
	t.Logf("drain took %v", end.Sub(start))

	s.Restart()
	sitetest.WaitFor(t, "the support app back at the restarted site", func() bool { return s.Get(sess.ID).Online })
	if got := waitJumpClientOnline(t, s); got != jcID {
		t.Fatalf("jump client %s came back as %s", jcID, got)
	}
}

// TestDrainTimeout: a view that does not end is cut at the drain timeout.
func TestDrainTimeout(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) {
		o.DrainTimeout, o.ReconnectWithin = time.Second, 100*time.Millisecond
	})
	sess := fakeViewedApp(t, s)
	viewer := startViewer(t, s, sess.ID)
	defer viewer.CloseNow()
	readFrames(t, viewer, 2)
	start := time.Now()
	s.Server.Drain()
	if took := time.Since(start); took < time.Second || took > 5*time.Second {
		t.Fatalf("drain with a running view took %v, want the 1 s timeout", took)
	}
	select {
	case <-s.Served:
	case <-time.After(10 * time.Second):
		t.Fatal("the site did not stop after the drain")
	}
	rctx, rcancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer rcancel()
	for {
		if _, _, err := viewer.Read(rctx); err != nil {
			break // the view was closed
		}
	}
	if rctx.Err() != nil {
		t.Fatal("the view outlived the drain timeout")
	}
}

func installerExe(t *testing.T, s *sitetest.Site) string {
	t.Helper()
	var in struct {
		DownloadURL string `json:"download_url"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"platform": "linux-amd64", "valid_for": "1h"}, &in); st != 201 {
		t.Fatalf("installer: %d", st)
	}
	res, err := s.Client.Get(in.DownloadURL + "?format=raw")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	p := t.TempDir() + "/tether"
	writeBody(t, res, p)
	return p
}

func waitJumpClientOnline(t *testing.T, s *sitetest.Site) string {
	t.Helper()
	var id string
	sitetest.WaitFor(t, "jump client online", func() bool {
		var l struct{ Items []struct{ ID, Status string } }
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		for _, it := range l.Items {
			if it.Status == "online" {
				id = it.ID
				return true
			}
		}
		return false
	})
	return id
}

// startViewer opens a view as the technician and returns the viewer's
// stream.
func startViewer(t *testing.T, s *sitetest.Site, id string) *websocket.Conn {
	t.Helper()
	var v struct{ Stream, Token string }
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+id+"/view", map[string]any{"password": "access-pw"}, &v); st != 201 {
		t.Fatalf("view: %d", st)
	}
	u := strings.Replace(s.URL, "https", "wss", 1) + "/api/v1/sessions/" + id + "/stream/" + v.Stream + "?token=" + url.QueryEscape(v.Token)
	conn, _, err := websocket.Dial(t.Context(), u, &websocket.DialOptions{HTTPClient: s.Client,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + s.Token}}})
	if err != nil {
		t.Fatalf("viewer: %v", err)
	}
	return conn
}

func readFrames(t *testing.T, c *websocket.Conn, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for range n {
		if _, _, err := c.Read(ctx); err != nil {
			t.Fatalf("viewer read: %v", err)
		}
	}
}

func getStatus(t *testing.T, s *sitetest.Site, path string) int {
	t.Helper()
	res, err := s.Client.Get(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func writeBody(t *testing.T, res *http.Response, path string) {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("download: %d %v", res.StatusCode, err)
	}
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

func metricsText(t *testing.T, s *sitetest.Site) string {
	t.Helper()
	_, b := body(t, s.Client, s.URL+"/metrics")
	return b
}

// positive reports whether the sample named series has a value above 0.
func positive(text, series string) bool {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v != "0"
		}
	}
	return false
}
