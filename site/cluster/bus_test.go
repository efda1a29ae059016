package cluster_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/natstest"
	"github.com/tetherhq/tether/site/cluster"
)

// recorder is a Handler that keeps what it was told.
type recorder struct {
	mu      sync.Mutex
	events  []cluster.Event
	claimed []string
}

func (r *recorder) Event(e cluster.Event) { r.mu.Lock(); r.events = append(r.events, e); r.mu.Unlock() }
func (r *recorder) Claimed(node string, a cluster.Agent) {
	r.mu.Lock()
	r.claimed = append(r.claimed, node+"/"+a.ID)
	r.mu.Unlock()
}

func (r *recorder) count() (events, claims int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events), len(r.claimed)
}

func join(t *testing.T, ns *natstest.Server, mod ...func(*cluster.Options)) (*cluster.Bus, *recorder) {
	t.Helper()
	o := cluster.Options{URL: ns.URL, Namespace: "test", Check: "pin", Auth: ns.Auth,
		HelloEvery: 100 * time.Millisecond, DeadAfter: 600 * time.Millisecond}
	for _, m := range mod {
		m(&o)
	}
	b, err := cluster.Join(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	r := &recorder{}
	b.Subscribe(r)
	return b, r
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func meshed(t *testing.T, buses ...*cluster.Bus) {
	t.Helper()
	waitFor(t, "every node to know the others", func() bool {
		for _, b := range buses {
			if len(b.Peers()) != len(buses)-1 {
				return false
			}
		}
		return true
	})
}

func TestPresenceAcrossNodes(t *testing.T) {
	ns := natstest.Start(t)
	a, _ := join(t, ns)
	b, rb := join(t, ns)
	c, _ := join(t, ns)
	meshed(t, a, b, c)
	a.Announce(cluster.Agent{ID: "jc1", Jump: true, Bound: true})
	a.Announce(cluster.Agent{ID: "sess1"}) // a support app waiting for its code
	waitFor(t, "b and c to see a's agents", func() bool {
		return b.Online("jc1") && c.Online("sess1") && b.JumpClients() == 1 && c.JumpClients() == 1
	})
	if n, ok := c.Locate("jc1"); !ok || n != a.Node() {
		t.Fatalf("c locates jc1 at %q %v, want %s", n, ok, a.Node())
	}
	if n, ok := c.Locate("sess1"); !ok || n != a.Node() {
		t.Fatalf("an unbound support app located at %q %v, want its node %s", n, ok, a.Node())
	}
	if _, claims := rb.count(); claims != 2 {
		t.Fatalf("b was told of %d claims, want 2", claims)
	}
	// The agent moves to b: c forwards to b from then on.
	b.Announce(cluster.Agent{ID: "jc1", Jump: true, Bound: true})
	a.Announce(cluster.Agent{ID: "jc1", Gone: true})
	waitFor(t, "c to locate jc1 at b", func() bool { n, _ := c.Locate("jc1"); return n == b.Node() })
	waitFor(t, "a's claim to be gone", func() bool { return c.JumpClients() == 1 && a.Online("jc1") })
}

func TestLateNodeGetsTheWholeList(t *testing.T) {
	ns := natstest.Start(t)
	a, _ := join(t, ns)
	for i := range 5000 {
		a.Announce(cluster.Agent{ID: fmt.Sprint("jc", i), Jump: true, Bound: true})
	}
	time.Sleep(100 * time.Millisecond) // published as deltas before c exists
	c, rc := join(t, ns)
	waitFor(t, "c to learn a's 5000 jump clients", func() bool { return c.JumpClients() == 5000 })
	if _, claims := rc.count(); claims != 0 {
		t.Fatalf("a snapshot reported %d claims; only fresh connections are claims", claims)
	}
}

func TestNodeForgotten(t *testing.T) {
	for _, tc := range []struct {
		name  string
		leave func(b *cluster.Bus, ns *natstest.Server)
	}{
		{"bye", func(b *cluster.Bus, _ *natstest.Server) { b.Close() }},
		{"silent", func(b *cluster.Bus, _ *natstest.Server) { cluster.Silence(b) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := natstest.Start(t)
			a, _ := join(t, ns)
			b, _ := join(t, ns)
			meshed(t, a, b)
			b.Announce(cluster.Agent{ID: "jc", Jump: true, Bound: true})
			waitFor(t, "a to see b's client", func() bool { return a.Online("jc") })
			start := time.Now()
			tc.leave(b, ns)
			waitFor(t, "a to forget b", func() bool { return !a.Online("jc") && len(a.Peers()) == 0 })
			t.Logf("forgotten after %v", time.Since(start).Round(time.Millisecond))
		})
	}
}

func TestEvents(t *testing.T) {
	ns := natstest.Start(t)
	a, _ := join(t, ns)
	b, rb := join(t, ns)
	c, rc := join(t, ns)
	meshed(t, a, b, c)
	a.Broadcast(cluster.Event{Kind: cluster.EventEnd, ID: "s1", Code: "session_closed"})
	if err := a.Send(c.Node(), cluster.Event{Kind: cluster.EventSend, ID: "jc", Msg: []byte(`{"type":"sleep"}`), Close: true}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "events", func() bool { eb, _ := rb.count(); ec, _ := rc.count(); return eb == 1 && ec == 2 })
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if e := rc.events[1]; e.From != a.Node() || e.Kind != cluster.EventSend || !e.Close || string(e.Msg) != `{"type":"sleep"}` {
		t.Fatalf("c got %+v", e)
	}
	if err := a.Send("nosuchnode", cluster.Event{Kind: cluster.EventEnd}); !errors.Is(err, cluster.ErrNoPeer) {
		t.Fatalf("send to an unknown node: %v", err)
	}
}

// echo serves every tunnel b accepts by copying it back.
func echo(b *cluster.Bus) {
	go func() {
		for {
			c, err := b.Listener().Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
}

func TestTunnelCarriesBytesInOrder(t *testing.T) {
	ns := natstest.Start(t)
	a, _ := join(t, ns)
	b, _ := join(t, ns)
	meshed(t, a, b)
	echo(b)
	conn, err := a.Dial(t.Context(), b.Node())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	data := make([]byte, 20<<20) // 40 windows
	rand.Read(data)
	want := sha256.Sum256(data)
	go func() { conn.Write(data) }()
	h := sha256.New()
	start := time.Now()
	if _, err := io.CopyN(h, conn, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatal("the echo differs")
	}
	t.Logf("20 MiB there and back in %v", time.Since(start).Round(time.Millisecond))
}

func TestTunnelEnds(t *testing.T) {
	ns := natstest.Start(t)
	a, _ := join(t, ns)
	b, _ := join(t, ns)
	meshed(t, a, b)
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := b.Listener().Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	conn, err := a.Dial(t.Context(), b.Node())
	if err != nil {
		t.Fatal(err)
	}
	far := <-accepted
	// A deadline ends a read that waits.
	conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, cluster.ErrDeadline) {
		t.Fatalf("read past its deadline: %v", err)
	}
	conn.SetReadDeadline(time.Time{})
	// A close on one side is EOF on the other, after what was sent.
	far.Write([]byte("bye"))
	far.Close()
	got, err := io.ReadAll(conn)
	if err != nil || string(got) != "bye" {
		t.Fatalf("read %q, %v; want bye and EOF", got, err)
	}
	// A node that goes silent breaks its tunnels.
	conn2, err := a.Dial(t.Context(), b.Node())
	if err != nil {
		t.Fatal(err)
	}
	<-accepted
	cluster.Silence(b)
	done := make(chan error, 1)
	go func() { _, err := conn2.Read(make([]byte, 1)); done <- err }()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, io.EOF) {
			t.Fatalf("read from a dead node's tunnel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a tunnel to a dead node stayed open")
	}
	if _, err := a.Dial(t.Context(), b.Node()); err == nil {
		t.Fatal("dialled a dead node")
	}
}

func TestJoinRefusals(t *testing.T) {
	ns := natstest.Start(t)
	for _, tc := range []struct {
		name string
		mod  func(*cluster.Options)
	}{
		{"wrong password", func(o *cluster.Options) { o.Auth.Password = "wrong" }},
		{"no credentials", func(o *cluster.Options) { o.Auth = cluster.Auth{} }},
		{"password in the URL", func(o *cluster.Options) { o.URL = "nats://tether:pw@" + o.URL[len("nats://"):] }},
		{"two kinds of credentials", func(o *cluster.Options) { o.Auth.Token = "t" }},
		{"bad namespace", func(o *cluster.Options) { o.Namespace = "a.b" }},
		{"http URL", func(o *cluster.Options) { o.URL = "http://127.0.0.1:4222" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := cluster.Options{URL: ns.URL, Namespace: "test", Auth: ns.Auth}
			tc.mod(&o)
			if b, err := cluster.Join(t.Context(), o); err == nil {
				b.Close()
				t.Fatal("joined")
			}
		})
	}
}

// A node serving another certificate is ignored, and sites on one NATS
// with other namespaces never meet.
func TestNodesApart(t *testing.T) {
	ns := natstest.Start(t)
	a, _ := join(t, ns)
	b, _ := join(t, ns, func(o *cluster.Options) { o.Check = "another pin" })
	c, _ := join(t, ns, func(o *cluster.Options) { o.Namespace = "othersite" })
	d, _ := join(t, ns)
	meshed(t, a, d)
	time.Sleep(300 * time.Millisecond)
	for _, p := range a.Peers() {
		if p == b.Node() || p == c.Node() {
			t.Fatalf("a counts %s among its peers", p)
		}
	}
}
