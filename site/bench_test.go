package site_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/wire"
)

// unlimited lifts the session limits and, since every simulated customer
// comes from 127.0.0.1, the per-address rate limits.
func unlimited(o *site.Options) { o.LimitPerTech, o.LimitPerSite, o.AddressBurst = -1, -1, 1<<30 }

// BenchmarkCreateSession measures POST /sessions end to end over TLS
// (argon2id of the access password dominates, by design).
func BenchmarkCreateSession(b *testing.B) {
	s := sitetest.Start(b, unlimited)
	body := map[string]any{"password": "access-pw", "customer_name": "bench"}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if st := s.Do(s.Token, "POST", "/api/v1/sessions", body, nil); st != 201 {
			b.Fatalf("create: %d", st)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sessions/s")
}

// BenchmarkActivation measures a support app's whole first contact: fetch
// the signed config, WebSocket + TLS, challenge, hello with identity proof,
// bind, security code, activated.
func BenchmarkActivation(b *testing.B) {
	s := sitetest.Start(b, unlimited)
	type sess struct{ code, sec string }
	list := make([]sess, b.N)
	for i := range list {
		ss := s.CreateSession(map[string]any{"password": "access-pw"})
		list[i] = sess{ss.Code, ss.SecurityCode}
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	b.ResetTimer()
	start := time.Now()
	for _, ss := range list {
		activateOnce(b, client, s.URL, ss.code, ss.sec)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "activations/s")
}

func activateOnce(b *testing.B, client *http.Client, url, code, sec string) {
	ctx := context.Background()
	res, err := client.Get(url + "/agent/v1/config/" + code)
	if err != nil {
		b.Fatal(err)
	}
	rec, _ := io.ReadAll(res.Body)
	res.Body.Close()
	conn, _, err := websocket.Dial(ctx, strings.Replace(url, "https", "wss", 1)+"/agent/v1/connect",
		&websocket.DialOptions{HTTPClient: client})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.CloseNow()
	recv := func() wire.Msg {
		_, m, err := conn.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		msg, err := wire.Decode(m)
		if err != nil {
			b.Fatal(err)
		}
		return msg
	}
	send := func(m wire.Msg) {
		p, _ := wire.Encode(m)
		if err := conn.Write(ctx, websocket.MessageText, p); err != nil {
			b.Fatal(err)
		}
	}
	ch := recv().(*wire.Challenge)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	send(wire.Hello{Protocol: wire.ProtocolVersion, Mode: wire.ModeSupport, Config: rec, Identity: pub,
		Proof: ed25519.Sign(priv, wire.ProofMessage(ch.Nonce, rec)), Nonce: []byte("0123456789abcdef"),
		Host: wire.HostInfo{Hostname: "bench", OS: "linux", Arch: "amd64"}})
	if _, ok := recv().(*wire.Welcome); !ok {
		b.Fatal("no welcome")
	}
	send(wire.Activate{SecurityCode: sec})
	if _, ok := recv().(*wire.Activated); !ok {
		b.Fatal("not activated")
	}
	conn.Close(websocket.StatusNormalClosure, "")
}
