//go:build linux

package site_test

// The load generator of BenchmarkIdleJumpClients. It runs in a child
// process (this test binary, re-executed with loadGenEnv set) so that the
// benchmark process holds the site alone and its memory statistics are the
// site's: the clients' own buffers, goroutines and TLS state live here.
//
// The child speaks the real jump-client protocol over loopback TLS: pinned
// certificate, WebSocket, challenge, hello with the installer's signed
// config and an ed25519 identity proof, the site's proof in the welcome. It
// reads commands on stdin and answers one JSON line per command on stdout:
//
//	enrol    first contact of every client (new identity, enrolment flags);
//	         each disconnects after its welcome
//	connect  every enrolled client rejoins with its jump-client ID and stays
//	         connected, idle: it sends a beat at the welcome's heartbeat
//	         interval and counts the site's answers, like agent.RunJumpClient
//	         (with Pings, like an agent from before beats: it answers the
//	         site's pings and pings the site)
//	stats    counters (beats answered, pings answered, pongs received,
//	         connections lost)
//	storm    every connection drops at once (closed by the client); each
//	         client reconnects as agent.RunJumpClient does (backoff from
//	         1 s, jittered, capped at a minute) until all are back
//
// With SourceIPs, client i connects from 127.0.0.(2 + i mod SourceIPs):
// one source address has only ≈ 28,000 ephemeral ports towards one site
// address, so 100,000 clients need four or more.
//
// End of stdin closes every connection and exits.

import (
	"bufio"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/internal/backoff"
	"github.com/tetherhq/tether/wire"
)

// loadGenEnv carries the child's JSON loadGenConfig.
const loadGenEnv = "TETHER_JC_LOADGEN"

type loadGenConfig struct {
	Installer string // installer binary carrying the signed config
	N         int
	Workers   int  // concurrent handshakes
	Pings     bool // clients without beats (WebSocket pings both ways)
	SourceIPs int  // loopback source addresses to spread clients over
}

// loadGenReply is the answer to one command.
type loadGenReply struct {
	Err       string  `json:"err,omitempty"`
	Done      int     `json:"done"`
	Secs      float64 `json:"secs"`
	BeatsIn   int64   `json:"beats_in"`  // this side's beats the site answered
	PingsIn   int64   `json:"pings_in"`  // site's pings this side answered
	PongsIn   int64   `json:"pongs_in"`  // this side's pings the site answered
	Lost      int64   `json:"lost"`      // connections that dropped while idle
	Heartbeat float64 `json:"heartbeat"` // the welcome's interval, seconds
	// storm: reconnection attempts refused by the site (an error message
	// or HTTP status) and failed otherwise (dial, TLS, timeout).
	Refused int64 `json:"refused"`
	Failed  int64 `json:"failed"`
}

func init() {
	if c := os.Getenv(loadGenEnv); c != "" {
		os.Exit(runLoadGen(c))
	}
}

type loadGen struct {
	loadGenConfig
	cfg     *embedcfg.Config
	rec     []byte
	clients []*lgClient

	beatsIn, pingsIn, pongsIn, lost atomic.Int64
	refused, failed                 atomic.Int64
	storming                        atomic.Bool    // drops are the storm's, not losses
	heartbeat                       atomic.Int64   // ns
	clients4                        []*http.Client // by source address
	idle                            context.Context
	stop                            context.CancelFunc
	wg                              sync.WaitGroup
}

type lgClient struct {
	key  ed25519.PrivateKey
	id   string
	conn *websocket.Conn
}

func runLoadGen(raw string) int {
	var g loadGen
	if err := json.Unmarshal([]byte(raw), &g.loadGenConfig); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		return 2
	}
	var err error
	if g.cfg, g.rec, err = agent.EmbeddedConfig(g.Installer); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		return 2
	}
	g.Workers = cmp.Or(g.Workers, 32)
	g.clients = make([]*lgClient, g.N)
	for i := range g.clients {
		_, key, _ := ed25519.GenerateKey(rand.Reader)
		g.clients[i] = &lgClient{key: key}
	}
	g.idle, g.stop = context.WithCancel(context.Background())
	g.clients4 = []*http.Client{agent.HTTPClient(g.cfg.CertPin)}
	if g.SourceIPs > 0 {
		g.clients4 = nil
		for k := range g.SourceIPs {
			hc := agent.HTTPClient(g.cfg.CertPin)
			tr := hc.Transport.(*http.Transport).Clone()
			tr.DialContext = (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+k))}}).DialContext
			hc.Transport = tr
			g.clients4 = append(g.clients4, hc)
		}
	}
	out := json.NewEncoder(os.Stdout)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var r loadGenReply
		start := time.Now()
		switch cmd := strings.TrimSpace(in.Text()); cmd {
		case "enrol":
			r.Done, err = g.each(func(i int, c *lgClient) error { return g.enrol(i, c) })
		case "connect":
			r.Done, err = g.each(func(i int, c *lgClient) error { return g.connect(i, c) })
		case "storm":
			r.Done, err = g.storm()
		case "stats":
		default:
			err = fmt.Errorf("unknown command %q", cmd)
		}
		r.Secs = time.Since(start).Seconds()
		r.BeatsIn, r.PingsIn, r.PongsIn, r.Lost = g.beatsIn.Load(), g.pingsIn.Load(), g.pongsIn.Load(), g.lost.Load()
		r.Refused, r.Failed = g.refused.Load(), g.failed.Load()
		r.Heartbeat = time.Duration(g.heartbeat.Load()).Seconds()
		if err != nil {
			r.Err = err.Error()
		}
		out.Encode(r)
	}
	g.stop()
	for _, c := range g.clients {
		if c.conn != nil {
			c.conn.CloseNow()
		}
	}
	g.wg.Wait()
	return 0
}

// each runs fn for every client on Workers goroutines and returns how many
// succeeded and the first error.
func (g *loadGen) each(fn func(int, *lgClient) error) (int, error) {
	var next, done atomic.Int64
	var first error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range g.Workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(g.clients) {
					return
				}
				if err := fn(i, g.clients[i]); err != nil {
					mu.Lock()
					first = cmp.Or(first, fmt.Errorf("client %d: %w", i, err))
					mu.Unlock()
					continue
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return int(done.Load()), first
}

// dial opens the control channel and completes the handshake, as
// agent.connect does (same pinned TLS client, no compression).
func (g *loadGen) dial(ctx context.Context, i int, c *lgClient) (*websocket.Conn, *wire.Welcome, error) {
	dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	u := strings.Replace(g.cfg.SiteURL, "https://", "wss://", 1) + "/agent/v1/connect"
	conn, _, err := websocket.Dial(dctx, u, &websocket.DialOptions{
		HTTPClient:      g.clients4[i%len(g.clients4)],
		CompressionMode: websocket.CompressionDisabled,
		OnPingReceived:  func(context.Context, []byte) bool { g.pingsIn.Add(1); return true },
	})
	if err != nil {
		return nil, nil, err
	}
	conn.SetReadLimit(wire.MaxControlMessage)
	recv := func() (wire.Msg, error) {
		_, b, err := conn.Read(dctx)
		if err != nil {
			return nil, err
		}
		return wire.Decode(b)
	}
	fail := func(err error) (*websocket.Conn, *wire.Welcome, error) {
		conn.CloseNow()
		return nil, nil, err
	}
	m, err := recv()
	if err != nil {
		return fail(err)
	}
	ch, ok := m.(*wire.Challenge)
	if !ok {
		return fail(fmt.Errorf("expected a challenge, got %T", m))
	}
	nonce := make([]byte, 32)
	rand.Read(nonce)
	h := wire.Hello{Protocol: wire.ProtocolVersion, Version: "bench",
		Mode:   wire.AgentMode(cmp.Or(g.cfg.Mode, string(wire.ModeService))),
		Config: g.rec, Identity: c.key.Public().(ed25519.PublicKey),
		Proof: ed25519.Sign(c.key, wire.ProofMessage(ch.Nonce, g.rec)), Nonce: nonce,
		Host: wire.HostInfo{Hostname: fmt.Sprintf("bench-%05d", i), OS: "linux", Arch: "amd64",
			PrivateIP: "10.0.0.1", Service: true},
		JumpClientID: c.id, Beats: !g.Pings}
	if c.id == "" {
		h.Enroll = &wire.Enroll{Name: h.Host.Hostname, Tag: "bench", Comments: "BenchmarkIdleJumpClients"}
	}
	b, _ := wire.Encode(h)
	if err := conn.Write(dctx, websocket.MessageText, b); err != nil {
		return fail(err)
	}
	if m, err = recv(); err != nil {
		return fail(err)
	}
	switch m := m.(type) {
	case *wire.Welcome:
		if !ed25519.Verify(g.cfg.SiteKey, wire.SiteProofMessage(nonce), m.SiteProof) {
			return fail(errors.New("bad site proof"))
		}
		return conn, m, nil
	case *wire.ErrorMsg:
		return fail(fmt.Errorf("refused: %s %s", m.Code, m.Message))
	}
	return fail(fmt.Errorf("expected a welcome, got %T", m))
}

func (g *loadGen) enrol(i int, c *lgClient) error {
	conn, w, err := g.dial(g.idle, i, c)
	if err != nil {
		return err
	}
	if w.JumpClientID == "" {
		conn.CloseNow()
		return errors.New("welcome without a jump-client ID")
	}
	c.id = w.JumpClientID
	return conn.Close(websocket.StatusNormalClosure, "")
}

// connect rejoins and leaves the client idle: a reader and the agent's
// heartbeat (beats, or pings both ways for a client without beats).
func (g *loadGen) connect(i int, c *lgClient) error {
	if c.id == "" {
		return errors.New("not enrolled")
	}
	conn, w, err := g.dial(g.idle, i, c)
	if err != nil {
		return err
	}
	c.conn = conn
	every := cmp.Or(w.Heartbeat, 25*time.Second)
	g.heartbeat.Store(int64(every))
	g.wg.Go(func() {
		for {
			_, b, err := conn.Read(g.idle)
			if err != nil {
				if g.idle.Err() == nil && !g.storming.Load() {
					g.lost.Add(1)
				}
				return
			}
			if m, err := wire.Decode(b); err == nil && m.MsgType() == "beat" {
				g.beatsIn.Add(1)
			}
		}
	})
	beat, _ := wire.Encode(wire.Beat{})
	g.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-g.idle.Done():
				return
			case <-t.C:
			}
			hctx, cancel := context.WithTimeout(g.idle, 15*time.Second)
			var err error
			if g.Pings { // an agent from before beats, counting answered pings
				if err = conn.Ping(hctx); err == nil {
					g.pongsIn.Add(1)
				}
			} else {
				err = conn.Write(hctx, websocket.MessageText, beat)
			}
			cancel()
			if err != nil {
				return
			}
		}
	})
	return nil
}

// storm drops every connection at once and waits until every client is
// back, each reconnecting with the jump client's own backoff.
func (g *loadGen) storm() (int, error) {
	g.storming.Store(true)
	defer g.storming.Store(false)
	for _, c := range g.clients {
		if c.conn != nil {
			c.conn.CloseNow()
		}
	}
	deadline, cancel := context.WithTimeout(g.idle, 5*time.Minute)
	defer cancel()
	var back atomic.Int64
	var wg sync.WaitGroup
	for i, c := range g.clients {
		wg.Go(func() {
			bo := backoff.New(time.Second, time.Minute) // agent.RunJumpClient's
			for {
				if bo.Wait(deadline) != nil {
					return
				}
				err := g.connect(i, c)
				if err == nil {
					back.Add(1)
					return
				}
				if strings.Contains(err.Error(), "refused:") || strings.Contains(err.Error(), "status code") {
					g.refused.Add(1)
				} else {
					g.failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := int(back.Load()); n < len(g.clients) {
		return n, fmt.Errorf("%d of %d clients not back within 5 minutes", len(g.clients)-n, len(g.clients))
	}
	return len(g.clients), nil
}
