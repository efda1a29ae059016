// Package clustertest runs several site nodes as child processes on one
// PostgreSQL database, joined through a real NATS server, behind a load
// balancer: the setup of docs/OPERATIONS.md "Several nodes", for the tests
// of the cluster.
package clustertest

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/natstest"
	"github.com/tetherhq/tether/internal/pgtest"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/site/cluster"
)

// Cluster is several site nodes on one PostgreSQL database, joined through
// a real NATS server, behind a load balancer (LB), as docs/OPERATIONS.md
// sets them up. Each node is a child process (this test binary,
// re-executed), so that Kill is a real SIGKILL: its connections drop
// without a word and the others notice only by its silence.
//
// The test binary's TestMain must call pgtest.Main.
type Cluster struct {
	T     testing.TB
	NATS  *natstest.Server
	DB    string
	LB    *sitetest.LB
	Nodes []*Node
	// Site talks to the cluster through the balancer as "tech"; Pin is
	// the certificate pin agents use.
	Site *sitetest.Site
	Pin  string

	keys, agents string
	mod          func(*NodeOptions)
}

// NodeOptions are the options of a child node (JSON on its environment).
type NodeOptions struct {
	DataDir, AgentsDir, PublicURL, Database, Cluster string
	JCCheckIn                                        time.Duration
	Heartbeat                                        time.Duration
	Verbose                                          bool
	// AddressBurst is the node's --address-burst (0: 1000). Behind the
	// balancer every client comes from its one address, as behind a NAT.
	AddressBurst int
	// RecordAdhoc records support-app sessions too (--record-adhoc).
	RecordAdhoc bool
}

// Node is one running node.
type Node struct {
	*sitetest.Site // its own address, not the balancer's
	Addr           string
	Dir            string // its data directory
	cmd            *exec.Cmd
	stdin          io.WriteCloser
	lines          chan string // the node's stdout after its address
	done           chan struct{}
}

const nodeEnv = "TETHER_CLUSTERTEST_NODE"

func init() {
	if c := os.Getenv(nodeEnv); c != "" {
		os.Exit(runNode(c))
	}
}

// StartCluster starts n nodes behind a balancer; mod may adjust each
// node's options.
func StartCluster(t testing.TB, n int, mod func(*NodeOptions)) *Cluster {
	t.Helper()
	dir := t.TempDir()
	c := &Cluster{T: t, NATS: natstest.Start(t), DB: pgtest.Start(t), LB: sitetest.NewLB(t), mod: mod,
		keys: filepath.Join(dir, "keys"), agents: filepath.Join(dir, "agents")}
	os.MkdirAll(c.agents, 0o755)
	os.WriteFile(filepath.Join(c.agents, "tether-linux-amd64"), []byte("#!/bin/false\nstand-in agent build\n"), 0o755)
	// The keys every node shares (site.key, codes.secret, the certificate),
	// made once, and the schema migrated once.
	srv, err := site.New(t.Context(), site.Options{DataDir: c.keys, Database: c.DB, PublicURL: c.LB.URL(),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	c.Pin = srv.CertPin()
	srv.Close()
	if err := site.AddUser(t.Context(), c.DB, "tech", "tech-password", false); err != nil {
		t.Fatal(err)
	}
	tok, err := site.CreateToken(t.Context(), c.DB, "tech")
	if err != nil {
		t.Fatal(err)
	}
	c.Site = &sitetest.Site{T: t, URL: c.LB.URL(), Token: tok, Client: insecureClient()}
	for range n {
		c.StartNode()
	}
	c.Rebalance()
	c.WaitMeshed()
	return c
}

func insecureClient() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}

// StartNode starts one more node (it joins the others) and returns it; the
// balancer sends it nothing until Rebalance or LB.Set.
func (c *Cluster) StartNode() *Node {
	c.T.Helper()
	data := c.T.TempDir()
	for _, f := range []string{"site.key", "codes.secret", "tls.crt", "tls.key"} {
		b, err := os.ReadFile(filepath.Join(c.keys, f))
		if err != nil {
			c.T.Fatal(err)
		}
		os.WriteFile(filepath.Join(data, f), b, 0o600)
	}
	o := NodeOptions{DataDir: data, AgentsDir: c.agents, PublicURL: c.LB.URL(), Database: c.DB,
		Cluster: c.NATS.URL, Verbose: testing.Verbose()}
	if c.mod != nil {
		c.mod(&o)
	}
	raw, _ := json.Marshal(o)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), nodeEnv+"="+string(raw)), c.NATS.Env()...)
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		c.T.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		cmd.Process.Kill()
		cmd.Wait()
		c.T.Fatal("clustertest: a node did not start")
	}
	n := &Node{Addr: sc.Text(), Dir: data, cmd: cmd, stdin: stdin, lines: make(chan string, 4), done: make(chan struct{})}
	go func() {
		for sc.Scan() {
			select {
			case n.lines <- sc.Text():
			default:
			}
		}
		cmd.Wait()
		close(n.done)
	}()
	n.Site = &sitetest.Site{T: c.T, URL: "https://" + n.Addr, Token: c.Site.Token, Client: insecureClient()}
	c.Nodes = append(c.Nodes, n)
	c.T.Cleanup(n.Kill)
	return n
}

// Rebalance puts every running node behind the balancer.
func (c *Cluster) Rebalance() {
	var addrs []string
	for _, n := range c.Nodes {
		if n.Running() {
			addrs = append(addrs, n.Addr)
		}
	}
	c.LB.Set(addrs...)
}

// WaitMeshed waits until every running node answers /readyz; the nodes
// know each other within a hello (a second) of starting.
func (c *Cluster) WaitMeshed() {
	c.T.Helper()
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		sitetest.WaitFor(c.T, "node "+n.Addr+" ready", func() bool {
			res, err := n.Client.Get(n.URL + "/readyz")
			if err != nil {
				return false
			}
			res.Body.Close()
			return res.StatusCode == 200
		})
	}
	time.Sleep(1500 * time.Millisecond) // a hello from each, and the syncs
}

// PID is the node's process ID (benchmarks read its /proc).
func (n *Node) PID() int { return n.cmd.Process.Pid }

// Running reports whether the node's process runs.
func (n *Node) Running() bool {
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// GC has the node collect its garbage and return it to the OS, so that a
// benchmark's memory samples count what the node holds, not what it
// dropped (argon2id's 64 MiB, finished handshakes).
func (n *Node) GC() {
	if _, err := io.WriteString(n.stdin, "gc\n"); err != nil {
		return
	}
	select {
	case <-n.lines:
	case <-n.done:
	case <-time.After(30 * time.Second):
	}
}

// Kill ends the node with SIGKILL.
func (n *Node) Kill() {
	if n.Running() {
		n.cmd.Process.Kill()
	}
	<-n.done
}

// Stop ends the node as SIGTERM would without the drain: it closes its
// connections and leaves the cluster.
func (n *Node) Stop() {
	n.stdin.Close()
	select {
	case <-n.done:
	case <-time.After(15 * time.Second):
		n.Kill()
	}
}

// runNode is the child: a site node until its stdin closes.
func runNode(raw string) int {
	var o NodeOptions
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		fmt.Fprintln(os.Stderr, "clustertest node:", err)
		return 2
	}
	signal.Ignore(syscall.SIGINT) // a ^C of the test reaches the parent, which kills us
	log := slog.New(slog.DiscardHandler)
	if o.Verbose {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "clustertest node:", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if o.AddressBurst == 0 {
		o.AddressBurst = 1000
	}
	srv, err := site.New(ctx, site.Options{DataDir: o.DataDir, AgentsDir: o.AgentsDir, PublicURL: o.PublicURL,
		Listen: ln.Addr().String(), Database: o.Database, Cluster: o.Cluster, ClusterAuth: cluster.AuthFromEnv(os.Getenv),
		JCCheckIn: o.JCCheckIn, Heartbeat: o.Heartbeat, AddressBurst: o.AddressBurst, RecordAdhoc: o.RecordAdhoc, Logger: log.With("node", ln.Addr().String())})
	if err != nil {
		fmt.Fprintln(os.Stderr, "clustertest node:", err)
		return 1
	}
	defer srv.Close()
	fmt.Println(ln.Addr().String())
	go func() {
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			if in.Text() == "gc" {
				runtime.GC()
				debug.FreeOSMemory()
				fmt.Println("gc")
			}
		}
		cancel()
	}()
	if err := srv.ServeListener(ctx, ln); err != nil {
		fmt.Fprintln(os.Stderr, "clustertest node:", err)
		return 1
	}
	return 0
}
