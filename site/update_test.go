package site_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/wire"
)

// rawJumpClient speaks the agent protocol by hand, so the test sees exactly
// what the site sends (the agent's own handling is tested in package agent).
type rawJumpClient struct {
	t    *testing.T
	s    *sitetest.Site
	rec  []byte // the installer's signed config
	key  ed25519.PrivateKey
	id   string
	conn *websocket.Conn
	msgs chan wire.Msg
	// beats makes it an agent that sends beats (Hello.Beats): the site
	// serves it without a reader (site/idle.go) and does not ping it.
	beats bool
	// goos is the OS it reports (default linux); rejoin sets Hello.Rejoin
	// (back from a reboot, B1).
	goos   string
	rejoin bool
}

func newRawJumpClient(t *testing.T, s *sitetest.Site, passive bool) *rawJumpClient {
	t.Helper()
	var in map[string]any
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"valid_for": "1h", "passive": passive}, &in); st != 201 {
		t.Fatalf("create installer: %d", st)
	}
	res, err := s.Client.Get(in["download_url"].(string) + "?format=raw")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	_, rec, err := embedcfg.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	return &rawJumpClient{t: t, s: s, rec: rec, key: key}
}

// connect checks in as version on arch and keeps reading messages into
// c.msgs until the test ends or disconnect. It returns the welcome.
func (c *rawJumpClient) connect(version, arch string) *wire.Welcome {
	t := c.t
	t.Helper()
	conn, _, err := websocket.Dial(t.Context(), strings.Replace(c.s.URL, "https", "wss", 1)+"/agent/v1/connect",
		&websocket.DialOptions{HTTPClient: c.s.Client})
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := c.read(conn).(*wire.Challenge)
	if ch == nil {
		t.Fatal("no challenge")
	}
	nonce := make([]byte, 32)
	rand.Read(nonce)
	hello := wire.Hello{Protocol: wire.ProtocolVersion, Version: version, Mode: wire.ModeService, Config: c.rec,
		Identity: c.key.Public().(ed25519.PublicKey), Proof: ed25519.Sign(c.key, wire.ProofMessage(ch.Nonce, c.rec)),
		Nonce: nonce, Host: wire.HostInfo{Hostname: "box", OS: cmp.Or(c.goos, "linux"), Arch: arch}, JumpClientID: c.id,
		Beats: c.beats, Rejoin: c.rejoin}
	b, _ := wire.Encode(hello)
	if err := conn.Write(t.Context(), websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	w, ok := c.read(conn).(*wire.Welcome)
	if !ok {
		t.Fatal("not welcomed")
	}
	c.id, c.conn, c.msgs = w.JumpClientID, conn, make(chan wire.Msg, 16)
	if w.CheckIn > 0 { // a passive check-in: the site hangs up
		return w
	}
	// The welcome goes out just before the site registers the client.
	sitetest.WaitFor(t, "jump client online", func() bool {
		var l struct{ Items []struct{ ID, Status string } }
		c.s.Do(c.s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		for _, it := range l.Items {
			if it.ID == c.id {
				return it.Status == "online"
			}
		}
		return false
	})
	go func() {
		defer close(c.msgs)
		for {
			_, b, err := conn.Read(context.Background())
			if err != nil {
				return
			}
			if m, err := wire.Decode(b); err == nil {
				c.msgs <- m
			}
		}
	}()
	t.Cleanup(func() { conn.CloseNow() })
	return w
}

func (c *rawJumpClient) read(conn *websocket.Conn) wire.Msg {
	c.t.Helper()
	_, b, err := conn.Read(c.t.Context())
	if err != nil {
		c.t.Fatal(err)
	}
	m, err := wire.Decode(b)
	if err != nil {
		c.t.Fatal(err)
	}
	return m
}

// update waits for an update offer (nil if none comes within d).
func (c *rawJumpClient) update(d time.Duration) *wire.Update {
	t := time.After(d)
	for {
		select {
		case m := <-c.msgs:
			if u, ok := m.(*wire.Update); ok {
				return u
			}
		case <-t:
			return nil
		}
	}
}

func (c *rawJumpClient) disconnect() {
	c.conn.Close(websocket.StatusNormalClosure, "")
	for range c.msgs {
	}
}

// jump returns the status and error code of a jump to the client.
func jump(s *sitetest.Site, id string) (int, string) {
	var out sitetest.ErrorBody
	st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &out)
	return st, out.Error.Code
}

func get(s *sitetest.Site, url string) (int, []byte) {
	res, err := s.Client.Get(url)
	if err != nil {
		s.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func auditEvents(s *sitetest.Site, admin string) map[string]int {
	var out struct{ Items []struct{ Event string } }
	s.Do(admin, "GET", "/api/v1/audit", nil, &out)
	n := map[string]int{}
	for _, e := range out.Items {
		n[e.Event]++
	}
	return n
}

// TestJumpClientOfferedSignedUpdate: a jump client checking in with an old
// version is offered the site's build for its platform, signed by the site
// key; while it updates, jumps get the wait message jc_updating; if it is
// still on the old version when the offer expires it is not attempting to
// update (jc_version_mismatch); back on the site's version, jumps work
// (C11, C12).
func TestJumpClientOfferedSignedUpdate(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.Version = "2.0" })
	admin := s.AddTechnician("boss", true)
	build, _ := os.ReadFile(filepath.Join(s.Agents, "tether-linux-amd64"))
	c := newRawJumpClient(t, s, false)
	c.connect("1.0", "amd64")
	u := c.update(5 * time.Second)
	if u == nil {
		t.Fatal("no update offered to a 1.0 client of a 2.0 site")
	}
	if u.Version != "2.0" || !ed25519.Verify(s.Server.SiteKey(), wire.UpdateMessage("2.0", "linux-amd64", u.SHA256), u.Sig) {
		t.Fatalf("offer %s not signed by the site key for 2.0 on linux-amd64", u.Version)
	}
	st, got := get(s, s.URL+u.URL)
	if sum := sha256.Sum256(got); st != 200 || !bytes.Equal(got, build) || !bytes.Equal(sum[:], u.SHA256) || u.Size != int64(len(got)) {
		t.Fatalf("download %d: %d bytes, want the build of %d bytes with the offered hash", st, len(got), len(build))
	}
	if st, code := jump(s, c.id); st != http.StatusConflict || code != string(wire.JCUpdating) {
		t.Fatalf("jump to an updating client: %d %s", st, code)
	}

	// The link is bound to this client and short-lived.
	if st, _ := get(s, s.URL+u.URL[:len(u.URL)-2]+"xx"); st != http.StatusForbidden {
		t.Fatalf("forged link: %d", st)
	}
	if st, _ := get(s, s.URL+strings.Replace(u.URL, c.id, "someoneelse", 1)); st != http.StatusForbidden {
		t.Fatalf("link for another client: %d", st)
	}
	s.Clock.Advance(16 * time.Minute)
	if st, _ := get(s, s.URL+u.URL); st != http.StatusForbidden {
		t.Fatalf("expired link: %d", st)
	}
	if st, code := jump(s, c.id); st != http.StatusConflict || code != string(wire.JCVersionMismatch) {
		t.Fatalf("jump to a client whose update did not happen: %d %s", st, code)
	}

	// Back with the new version: no offer, jumps work, the update is audited.
	c.disconnect()
	c.connect("2.0", "amd64")
	if st, code := jump(s, c.id); st != http.StatusCreated {
		t.Fatalf("jump after the update: %d %s", st, code)
	}
	if u := c.update(300 * time.Millisecond); u != nil {
		t.Fatalf("offered %s to a client on the site's version", u.Version)
	}
	if ev := auditEvents(s, admin); ev["jump_client_update_offered"] != 1 || ev["jump_client_updated"] != 1 {
		t.Fatalf("audit: %v", ev)
	}
}

// A site without a build for the client's platform cannot update it: the
// client is on another version and not attempting to update, so jumps are
// refused with jc_version_mismatch (its seed text).
func TestJumpClientWithoutBuildKeepsItsVersion(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.Version = "2.0" })
	c := newRawJumpClient(t, s, false)
	c.connect("1.0", "riscv64")
	var eb sitetest.ErrorBody
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+c.id+"/jump", nil, &eb); st != http.StatusConflict ||
		eb.Error.Code != string(wire.JCVersionMismatch) || eb.Error.Message != wire.JCVersionMismatch.Message() {
		t.Fatalf("jump: %d %+v", st, eb)
	}
	if u := c.update(300 * time.Millisecond); u != nil {
		t.Fatalf("offered %s without a build", u.Version)
	}
}

// A passive client (C9) normally only checks in; with an update due it is
// served like an active one for that check-in, so that it gets the offer.
func TestPassiveJumpClientUpdatesOnCheckIn(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.Version = "2.0" })
	c := newRawJumpClient(t, s, true)
	if w := c.connect("1.0", "amd64"); w.CheckIn != 0 {
		t.Fatalf("an outdated passive client was sent away to check in again in %s", w.CheckIn)
	}
	if u := c.update(5 * time.Second); u == nil {
		t.Fatal("no update offered on a passive check-in")
	}
	c.disconnect()
	if w := c.connect("2.0", "amd64"); w.CheckIn == 0 {
		t.Fatal("an up-to-date passive client was kept connected")
	}
}
