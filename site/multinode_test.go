package site_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/internal/clustertest"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/wire"
)

// The cluster tests: several site nodes (child processes) on one real
// PostgreSQL, joined through a real NATS server, behind a TCP balancer,
// with real agents (package agent, in this process) and a viewer speaking
// WebSocket like the console. The agents serve views with echoView, so a
// viewer's message coming back proves the relay in both directions.

// echoView is an agent's side of a view: a first message (the relay
// waits for one before it pipes), then every message back, prefixed; the
// message "frame" is answered with 2 MiB.
func echoView(ctx context.Context, siteURL, pin string, v *wire.View) {
	path := "/agent/v1/stream/" + url.PathEscape(v.Stream) + "?token=" + url.QueryEscape(string(v.Token))
	conn, err := agent.Dial(ctx, siteURL, pin, path)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	if conn.Write(ctx, websocket.MessageText, []byte("screen")) != nil {
		return
	}
	for {
		typ, b, err := conn.Read(ctx)
		if err != nil {
			return
		}
		reply := append([]byte("echo:"), b...)
		if string(b) == "frame" { // a full screen's worth, as a first frame is
			reply = make([]byte, 2<<20)
		}
		if conn.Write(ctx, typ, reply) != nil {
			return
		}
	}
}

// supportApp runs a support app for a new session through the balancer,
// activated, and returns the session and the app's result channel.
func supportApp(t testing.TB, c *clustertest.Cluster) (*sitetest.Session, chan error) {
	t.Helper()
	ss := c.Site.CreateSession(nil)
	done := make(chan error, 1)
	go func() {
		done <- agent.RunSupport(t.Context(), agent.SupportOptions{Site: c.LB.URL(), Code: ss.Code, Pin: c.Pin,
			SecurityCode: ss.SecurityCode, AllowControl: true, StateDir: t.TempDir(),
			OnView: func(ctx context.Context, v *wire.View, s *agent.Support) {
				echoView(ctx, s.Config().SiteURL, s.Config().CertPin, v)
			}})
	}()
	sitetest.WaitFor(t, "the support app online and activated, seen from every node", func() bool {
		for _, n := range c.Nodes {
			if g := n.Get(ss.ID); n.Running() && (!g.Online || g.Status != "activated") {
				return false
			}
		}
		return true
	})
	return ss, done
}

// openView asks for a view at api and dials its stream at ws (two nodes,
// or the same), and reads the agent's first message.
func openView(t testing.TB, api, ws *sitetest.Site, sessionID string) *websocket.Conn {
	t.Helper()
	var grant struct{ Stream, Token string }
	if st := api.Do(api.Token, "POST", "/api/v1/sessions/"+sessionID+"/view", map[string]any{"password": "access-pw"}, &grant); st != 201 {
		t.Fatalf("view: %d", st)
	}
	u := strings.Replace(ws.URL, "https", "wss", 1) + "/api/v1/sessions/" + sessionID + "/stream/" + grant.Stream + "?token=" + grant.Token
	conn, _, err := websocket.Dial(t.Context(), u, &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}},
		HTTPHeader: http.Header{"Authorization": {"Bearer " + ws.Token}},
	})
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	conn.SetReadLimit(64 << 20)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, b, err := conn.Read(ctx); err != nil || string(b) != "screen" {
		t.Fatalf("first message %q, %v", b, err)
	}
	return conn
}

// drive sends input and waits for the agent's echo.
func drive(t testing.TB, conn *websocket.Conn, input string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := conn.Write(ctx, websocket.MessageBinary, []byte(input)); err != nil {
		t.Fatalf("send %q: %v", input, err)
	}
	_, b, err := conn.Read(ctx)
	switch {
	case err != nil:
		t.Fatalf("no echo of %q: %v", input, err)
	case input == "frame" && len(b) != 2<<20:
		t.Fatalf("a frame of %d bytes, want 2 MiB", len(b))
	case input != "frame" && string(b) != "echo:"+input:
		t.Fatalf("echo %.40q, want echo:%s", b, input)
	}
}

// A viewer whose API call lands on A and whose WebSocket lands on C
// drives a support app connected to B, whose stream dial lands on A; the
// session's end, asked at A, reaches the app on B.
func TestClusterViewAcrossNodes(t *testing.T) {
	c := clustertest.StartCluster(t, 3, nil)
	a, b, cc := c.Nodes[0], c.Nodes[1], c.Nodes[2]
	c.LB.Set(b.Addr) // the app's control channel goes to B
	ss, done := supportApp(t, c)
	c.LB.Set(a.Addr) // its stream dial to A
	conn := openView(t, a.Site, cc.Site, ss.ID)
	for _, in := range []string{"key a", "mouse 10 10", "frame", "key b"} {
		drive(t, conn, in)
	}
	sitetest.WaitFor(t, "connected, seen from C", func() bool { return cc.Get(ss.ID).Status == "connected" })
	conn.Close(websocket.StatusNormalClosure, "")
	sitetest.WaitFor(t, "activated again, seen from A", func() bool { return a.Get(ss.ID).Status == "activated" })

	if st := a.Do(a.Token, "POST", "/api/v1/sessions/"+ss.ID+"/close", nil, nil); st != 200 {
		t.Fatalf("close: %d", st)
	}
	select {
	case err := <-done:
		if wire.CodeOf(err) != wire.SessionClosed {
			t.Fatalf("the app on B ended with %v, want session_closed", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the app on B did not hear that the session was closed on A")
	}
}

// Killing the node that holds an agent moves it: the support app and the
// jump client come back on another node with their sessions, and the
// viewer on A, whose stream went through B, reconnects its view and drives
// on.
func TestClusterFailover(t *testing.T) {
	c := clustertest.StartCluster(t, 3, nil)
	a, b, cc := c.Nodes[0], c.Nodes[1], c.Nodes[2]
	c.LB.Set(b.Addr)
	ss, done := supportApp(t, c)
	jc, jdone := jumpClient(t, c, "")
	c.LB.Set(a.Addr, cc.Addr)
	conn := openView(t, a.Site, a.Site, ss.ID)
	drive(t, conn, "before")

	b.Kill()
	killed := time.Now()
	sitetest.WaitFor(t, "the support app back", func() bool { return a.Get(ss.ID).Online })
	sitetest.WaitFor(t, "the jump client back", func() bool { return jumpStatus(t, cc.Site, jc) == "online" })
	t.Logf("both agents back %v after the kill", time.Since(killed).Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if _, _, err := conn.Read(ctx); err == nil {
		t.Fatal("the view went on through a dead node")
	}
	t.Logf("the viewer's stream through B ended %v after the kill", time.Since(killed).Round(time.Millisecond))
	if g := cc.Get(ss.ID); g.Status != "activated" && g.Status != "connected" {
		t.Fatalf("session %s after the failover", g.Status)
	}
	conn = openView(t, a.Site, a.Site, ss.ID)
	drive(t, conn, "after")
	for _, ch := range []chan error{done, jdone} {
		select {
		case err := <-ch:
			t.Fatalf("an agent gave up: %v", err)
		default:
		}
	}
}

// A jump from A to a jump client connected to B; the view through C; its
// removal at C uninstalls the client on B.
func TestClusterJumpAcrossNodes(t *testing.T) {
	c := clustertest.StartCluster(t, 3, nil)
	a, b, cc := c.Nodes[0], c.Nodes[1], c.Nodes[2]
	c.LB.Set(b.Addr)
	jc, jdone := jumpClient(t, c, "")
	c.LB.Set(cc.Addr)
	var list struct{ Counts map[string]int }
	a.Do(a.Token, "GET", "/api/v1/jump-clients", nil, &list)
	if list.Counts["online"] != 1 {
		t.Fatalf("A counts %v", list.Counts)
	}
	var jump struct {
		SessionID string `json:"session_id"`
	}
	if st := a.Do(a.Token, "POST", "/api/v1/jump-clients/"+jc+"/jump", nil, &jump); st != 201 {
		t.Fatalf("jump from A: %d", st)
	}
	conn := openView(t, cc.Site, cc.Site, jump.SessionID)
	drive(t, conn, "ctrl+alt+t")
	if st := cc.Do(cc.Token, "DELETE", "/api/v1/jump-clients/"+jc, nil, nil); st != 200 {
		t.Fatalf("remove at C: %d", st)
	}
	select {
	case err := <-jdone:
		if wire.CodeOf(err) != wire.JCNotFound {
			t.Fatalf("the client on B ended with %v, want jc_not_found", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the client on B was not told of its removal at C")
	}
}

// A passive jump client checks in at B while a jump at A waits for it.
func TestClusterPassiveWake(t *testing.T) {
	c := clustertest.StartCluster(t, 2, func(o *clustertest.NodeOptions) { o.JCCheckIn = time.Second })
	a, b := c.Nodes[0], c.Nodes[1]
	c.LB.Set(b.Addr)
	jc, _ := jumpClient(t, c, "passive")
	sitetest.WaitFor(t, "passive, seen from A", func() bool { return jumpStatus(t, a.Site, jc) == "passive" })
	var jump struct {
		SessionID string `json:"session_id"`
	}
	start := time.Now()
	if st := a.Do(a.Token, "POST", "/api/v1/jump-clients/"+jc+"/jump", nil, &jump); st != 201 {
		t.Fatalf("jump from A to a passive client checking in at B: %d", st)
	}
	t.Logf("woken in %v", time.Since(start).Round(time.Millisecond))
	conn := openView(t, a.Site, a.Site, jump.SessionID)
	drive(t, conn, "hello")
}

// Wrong passwords spread over the nodes get one budget.
func TestClusterLoginLimit(t *testing.T) {
	c := clustertest.StartCluster(t, 3, nil)
	var codes []int
	for i := range 8 {
		n := c.Nodes[i%3]
		codes = append(codes, n.Do("", "POST", "/api/v1/login", map[string]any{"name": "tech", "password": "wrong"}, nil))
		time.Sleep(20 * time.Millisecond) // the spend reaches the others
	}
	for i, st := range codes {
		want := http.StatusUnauthorized
		if i >= 5 {
			want = http.StatusTooManyRequests
		}
		if st != want {
			t.Fatalf("attempt %d: %d, want %d (all: %v)", i+1, st, want, codes)
		}
	}
}

// jumpClient enrols a jump client through the balancer ("passive" for a
// passive one) and runs it, serving views with echoView.
func jumpClient(t *testing.T, c *clustertest.Cluster, mode string) (string, chan error) {
	t.Helper()
	body := map[string]any{"tag": "lab", "valid_for": "1h", "passive": mode == "passive"}
	var in struct {
		DownloadURL string `json:"download_url"`
	}
	if st := c.Site.Do(c.Site.Token, "POST", "/api/v1/installers", body, &in); st != 201 {
		t.Fatalf("installer: %d", st)
	}
	exe := c.Site.DownloadRaw(in.DownloadURL, t.TempDir())
	state := t.TempDir()
	done := make(chan error, 1)
	go func() {
		done <- agent.RunJumpClient(t.Context(), agent.JumpOptions{Executable: exe, StateDir: state,
			ViewHelper: func(ctx context.Context, job agent.ViewHelperJob) error {
				echoView(ctx, job.SiteURL, job.CertPin, &job.View)
				return nil
			}})
	}()
	var id string
	want := map[string]string{"": "online", "passive": "passive"}[mode]
	sitetest.WaitFor(t, "the jump client "+want, func() bool {
		var l struct{ Items []struct{ ID, Status string } }
		c.Site.Do(c.Site.Token, "GET", "/api/v1/jump-clients", nil, &l)
		for _, it := range l.Items {
			if it.Status == want {
				id = it.ID
				return true
			}
		}
		return false
	})
	sitetest.WaitFor(t, "the jump client "+want+", seen from every node", func() bool {
		for _, n := range c.Nodes {
			if n.Running() && jumpStatus(t, n.Site, id) != want {
				return false
			}
		}
		return true
	})
	return id, done
}

func jumpStatus(t *testing.T, s *sitetest.Site, id string) string {
	var v struct{ Status string }
	if st := s.Do(s.Token, "GET", "/api/v1/jump-clients/"+id, nil, &v); st != 200 {
		return ""
	}
	return v.Status
}

// A recording is written by the node that relayed the view (the agent's,
// B); asked for at A after the session ended, it is found there and
// served whole.
func TestClusterRecordingFromAnyNode(t *testing.T) {
	c := clustertest.StartCluster(t, 2, func(o *clustertest.NodeOptions) { o.RecordAdhoc = true })
	a, b := c.Nodes[0], c.Nodes[1]
	c.LB.Set(b.Addr)
	ss, done := supportApp(t, c)
	conn := openView(t, a.Site, a.Site, ss.ID)
	for _, in := range []string{"frame", "frame"} {
		drive(t, conn, in)
	}
	conn.Close(websocket.StatusNormalClosure, "")
	if st := a.Do(a.Token, "POST", "/api/v1/sessions/"+ss.ID+"/close", nil, nil); st != 200 {
		t.Fatalf("close: %d", st)
	}
	<-done
	size := func(n *clustertest.Node) (int, int) {
		res, err := n.Client.Do(authed(t, n.Site, "/api/v1/sessions/"+ss.ID+"/recording"))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.Header.Get("X-Tether-Recording") == "active" {
			return 0, len(body) // not finished yet
		}
		return res.StatusCode, len(body)
	}
	var fromB int
	sitetest.WaitFor(t, "the recording on B, finished", func() bool {
		st, n := size(b)
		fromB = n
		return st == 200 && n > 4<<20 // two 2 MiB frames
	})
	if st, n := size(a); st != 200 || n != fromB {
		t.Fatalf("the recording asked at A: %d, %d bytes; want 200 and B's %d bytes", st, n, fromB)
	}
	// A single part is served byte for byte as it is on disk, from either
	// node.
	onDisk := partFile(t, b, ss.ID)
	for _, n := range []*clustertest.Node{a, b} {
		if st, h, body := getRaw(t, n.Site, n.Token, "/api/v1/sessions/"+ss.ID+"/recording"); st != 200 || !bytes.Equal(body, onDisk) || h.Get("X-Tether-Recording-Parts") != "1" {
			t.Fatalf("asked at %s: %d, %d bytes differ from the %d on B's disk", n.Addr, st, len(body), len(onDisk))
		}
	}
	// A's session view and list say so too (asked of B, one question for
	// the whole list).
	var one struct{ Recording *struct{ Size int } }
	a.Do(a.Token, "GET", "/api/v1/sessions/"+ss.ID, nil, &one)
	if one.Recording == nil || one.Recording.Size != fromB {
		t.Fatalf("the session at A says recording %+v, want B's %d bytes", one.Recording, fromB)
	}
	var list struct {
		Items []struct {
			ID        string
			Recording *struct{ Size int }
		}
	}
	a.Do(a.Token, "GET", "/api/v1/sessions", nil, &list)
	if len(list.Items) != 1 || list.Items[0].Recording == nil || list.Items[0].Recording.Size != fromB {
		t.Fatalf("the list at A: %+v", list.Items)
	}
	// Nobody has one for a session that was never viewed.
	other := c.Site.CreateSession(nil)
	if st, _ := size(a); st != 200 {
		t.Fatal("the first recording vanished")
	}
	res, err := a.Client.Do(authed(t, a.Site, "/api/v1/sessions/"+other.ID+"/recording"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Fatalf("a session without a recording: %d, want 404", res.StatusCode)
	}
}

func authed(t *testing.T, s *sitetest.Site, path string) *http.Request {
	req, err := http.NewRequestWithContext(t.Context(), "GET", s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	return req
}

// partFile is node n's own file of session id's recording.
func partFile(t *testing.T, n *clustertest.Node, id string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(n.Dir, "recordings", id+".trec"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
