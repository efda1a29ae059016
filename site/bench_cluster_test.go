//go:build linux

package site_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/internal/clustertest"
)

// BenchmarkClusterRelay measures the cross-node relay against the relay of
// one node, in the same run: a support app connected to node B serves a
// view (echoView), and the viewer's and the agent's streams land on
//
//	hops=0  B and B: the pairing's node pipes, as on one site;
//	hops=1  A and B: the viewer's stream is forwarded A → B;
//	hops=2  A and C: both are forwarded, A → B ← C.
//
// Each op is one viewer message and the agent's echo (the input path's
// round trip), and then one 2 MiB message from the agent (a full frame).
// Nodes are child processes on one PostgreSQL and a real NATS server.
//
//	go test ./site -run '^$' -bench ClusterRelay -benchtime 2000x
func BenchmarkClusterRelay(b *testing.B) {
	c := clustertest.StartCluster(b, 3, nil)
	a, bb, cc := c.Nodes[0], c.Nodes[1], c.Nodes[2]
	c.LB.Set(bb.Addr)
	ss, _ := supportApp(b, c)
	for _, tc := range []struct {
		name       string
		viewer, ag *clustertest.Node
	}{{"hops=0", bb, bb}, {"hops=1", a, bb}, {"hops=2", a, cc}} {
		b.Run(tc.name, func(b *testing.B) {
			c.LB.Set(tc.ag.Addr)
			conn := openView(b, tc.viewer.Site, tc.viewer.Site, ss.ID)
			defer conn.Close(websocket.StatusNormalClosure, "")
			var rtt, frame time.Duration
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				drive(b, conn, "key a")
				t1 := time.Now()
				drive(b, conn, "frame")
				rtt += t1.Sub(t0)
				frame += time.Since(t1)
			}
			b.ReportMetric(float64(rtt.Microseconds())/float64(b.N), "µs/input-rtt")
			b.ReportMetric(float64(2<<20)*float64(b.N)/frame.Seconds()/1e6, "frame-MB/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkClusterIdleJumpClients puts the same load — N idle jump clients
// through the balancer, then a reconnect storm — on one node and on two,
// in the same run: the nodes' memory and CPU per client (summed over the
// node processes, from /proc), heartbeats answered, and the storm's
// recovery. Two nodes on this 2-core machine share its cores, so the
// figures show what the cluster costs (presence of the other node's
// agents, NATS), not more capacity.
//
//	TETHER_BENCH_CLUSTER_N=10000 TETHER_BENCH_JC_HEARTBEAT=25s go test ./site -run '^$' -bench ClusterIdleJumpClients -benchtime 1x -timeout 60m
func BenchmarkClusterIdleJumpClients(b *testing.B) {
	for _, nodes := range []int{1, 2} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) { benchClusterIdle(b, nodes) })
	}
}

func benchClusterIdle(b *testing.B, nodes int) {
	n := envInt(b, "TETHER_BENCH_CLUSTER_N", 200)
	every := envDuration(b, "TETHER_BENCH_JC_HEARTBEAT", time.Second)
	window := envDuration(b, "TETHER_BENCH_JC_WINDOW", 2*every)
	raiseNoFile(b, uint64(2*n)+512) // the balancer here holds both sides of each: N ≤ 9,700 at 20,000
	c := clustertest.StartCluster(b, nodes, func(o *clustertest.NodeOptions) { o.Heartbeat, o.AddressBurst = every, 1<<30 })
	g := startLoadGenWith(b, loadGenConfig{Installer: benchInstaller(b, c.Site), N: n, Workers: 64, SourceIPs: min(n/20000+1, 8)})
	connected := func() int {
		total := 0
		for _, nd := range c.Nodes {
			total += connectedJumpClients(b, nd.Site)
		}
		return total
	}
	wait := func(want int) {
		deadline := time.Now().Add(10 * time.Minute)
		for connected() != want {
			if time.Now().After(deadline) {
				b.Fatalf("%d connected, want %d", connected(), want)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	g.call("enrol")
	wait(0)
	base := nodesSample(c)
	join := g.call("connect")
	wait(n)
	time.Sleep(every + time.Second)
	held := nodesSample(c)
	s0, t0 := g.call("stats"), time.Now()
	time.Sleep(window)
	s1 := g.call("stats")
	after := nodesSample(c)
	elapsed := time.Since(t0).Seconds()
	busy := (after.cpu - held.settled).Seconds() / elapsed
	st0 := time.Now()
	storm := g.call("storm")
	wait(n)
	recovery := time.Since(st0)
	stormCPU := nodesSample(c).cpu - after.settled
	g.close()
	b.ReportMetric((float64(held.rss)-float64(base.rss))/float64(n), "RSS-B/client")
	b.ReportMetric(100*busy/float64(n), "site-CPU-%/client")
	b.ReportMetric(100*busy, "site-CPU-%")
	b.ReportMetric(float64(s1.BeatsIn-s0.BeatsIn)/elapsed/(float64(n)/every.Seconds()), "heartbeats/expected")
	b.ReportMetric(float64(n)/join.Secs, "rejoins/s")
	b.ReportMetric(recovery.Seconds(), "storm-s")
	b.ReportMetric(1e3*stormCPU.Seconds()/float64(n), "storm-site-CPU-ms/client")
	b.ReportMetric(float64(storm.Refused+storm.Failed), "storm-failed")
	b.ReportMetric(0, "ns/op")
	b.Logf("nodes=%d N=%d: RSS %.1f → %.1f MB, CPU %.2f%% over %.0fs, storm back in %v", nodes, n, mb(base.rss), mb(held.rss),
		100*busy, elapsed, recovery.Round(time.Millisecond))
}

type nodesUse struct {
	rss uint64
	// cpu is the nodes' CPU time when the sample began, settled after
	// their garbage collections: a window from one sample to the next is
	// next.cpu - prev.settled, without the collections asked for here.
	cpu, settled time.Duration
}

// nodesSample sums the node processes' RSS (each node's garbage collected
// first) and CPU time (/proc).
func nodesSample(c *clustertest.Cluster) nodesUse {
	var u nodesUse
	for _, nd := range c.Nodes {
		u.cpu += procCPU(nd.PID())
		nd.GC()
		u.settled += procCPU(nd.PID())
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", nd.PID())); err == nil {
			var size, res uint64
			fmt.Sscan(string(b), &size, &res)
			u.rss += res * uint64(os.Getpagesize())
		}
	}
	return u
}

// procCPU is a process's user and system CPU time from /proc.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// utime and stime are fields 14 and 15, after the ")" of the name.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	ut, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}
