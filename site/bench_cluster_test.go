//go:build linux

package site_test

import (
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

