//go:build linux

package site_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
)

// BenchmarkScaleJumpClients is issue 14's scale run on one node: N idle
// jump clients (the real handshake, each keeping its link alive with beats
// at the site's default heartbeat), what the site pays per client in
// memory and CPU, whether every heartbeat is answered, and then a
// reconnect storm: every connection drops at once and each client comes
// back with the jump client's own backoff; the storm is over when all N
// are connected again, and the site's error log must stay empty.
//
// The clients run in a child process (jumpclients_loadtest_test.go) on
// several loopback source addresses (one address has only ≈ 28,000
// ephemeral ports towards the site). N defaults to 200 so that CI's one
// pass keeps it from rotting; scripts/bench-scale.sh runs the series of
// docs/BENCHMARKS.md:
//
//	TETHER_BENCH_SCALE_N=100000 TETHER_BENCH_JC_HEARTBEAT=25s go test ./site -run '^$' -bench ScaleJumpClients -benchtime 1x -timeout 60m
func BenchmarkScaleJumpClients(b *testing.B) {
	n := envInt(b, "TETHER_BENCH_SCALE_N", 200)
	every := envDuration(b, "TETHER_BENCH_JC_HEARTBEAT", time.Second) // the site's default is 25s
	window := envDuration(b, "TETHER_BENCH_JC_WINDOW", 2*every)
	// Each process holds one side of the N connections; the child inherits
	// the limit. A process cannot go past its hard limit without
	// CAP_SYS_RESOURCE (20,000 on the build machine), and a storm needs
	// room for the connections being replaced: N ≤ 16,000 there.
	raiseNoFile(b, uint64(n)+512)
	logs := &countingHandler{}
	s := sitetest.Start(b, func(o *site.Options) {
		unlimited(o)
		o.Heartbeat, o.Logger = every, slog.New(logs)
	})
	g := startLoadGenWith(b, loadGenConfig{Installer: benchInstaller(b, s), N: n, Workers: 64, SourceIPs: min(n/20000+1, 8)})

	enrol := g.call("enrol")
	waitAgents(b, s, 0)
	base := sampleSite(s)
	join := g.call("connect")
	waitAgents(b, s, n)
	time.Sleep(every + time.Second) // every client has beaten once
	held := sampleSite(s)

	s0, c0, t0 := g.call("stats"), cpuTime(), time.Now()
	time.Sleep(window)
	s1, c1, t1 := g.call("stats"), cpuTime(), time.Now()
	beats := float64(s1.BeatsIn - s0.BeatsIn)
	elapsed := t1.Sub(t0).Seconds()
	busy := (c1 - c0).Seconds() / elapsed

	b.Logf("N=%d idle: %.0f B/client heap+stacks, %.0f B/client RSS, site CPU %.2f%% (%.5f%%/client), %.0f of %.0f heartbeats/s",
		n, (float64(held.heap+held.stack)-float64(base.heap+base.stack))/float64(n), (float64(held.rss)-float64(base.rss))/float64(n),
		100*busy, 100*busy/float64(n), beats/elapsed, float64(n)/every.Seconds())

	errs0, warns0 := logs.errors.Load(), logs.warns.Load()
	sc0, st0 := cpuTime(), time.Now()
	storm := g.try("storm")
	if storm.Err != "" {
		b.Errorf("storm: %s", storm.Err)
	} else {
		waitAgents(b, s, n)
	}
	recovery := time.Since(st0)
	stormCPU := cpuTime() - sc0
	stormErrs, stormWarns := logs.errors.Load()-errs0, logs.warns.Load()-warns0
	g.close()
	if s1.Lost > 0 {
		b.Errorf("%d of %d idle clients lost their connection", s1.Lost, n)
	}
	if stormErrs > 0 {
		b.Errorf("the site logged %d errors during the storm", stormErrs)
	}

	per := func(f func(siteSample) uint64) float64 { return (float64(f(held)) - float64(f(base))) / float64(n) }
	b.ReportMetric(per(func(x siteSample) uint64 { return x.heap + x.stack }), "site-B/client")
	b.ReportMetric(per(func(x siteSample) uint64 { return x.rss }), "RSS-B/client")
	b.ReportMetric(100*busy/float64(n), "site-CPU-%/client")
	b.ReportMetric(100*busy, "site-CPU-%")
	b.ReportMetric(beats/elapsed/(float64(n)/every.Seconds()), "heartbeats/expected")
	b.ReportMetric(float64(n)/join.Secs, "rejoins/s")
	b.ReportMetric(recovery.Seconds(), "storm-s")
	b.ReportMetric(1e3*stormCPU.Seconds()/float64(n), "storm-site-CPU-ms/client")
	b.ReportMetric(float64(storm.Refused), "storm-refused")
	b.ReportMetric(float64(storm.Failed), "storm-failed")
	b.ReportMetric(float64(stormErrs), "storm-site-errors")
	b.ReportMetric(0, "ns/op")
	b.Logf("N=%d heartbeat=%v: enrol %.1fs, rejoin %.1fs; heap+stack %.1f → %.1f MB, RSS %.1f → %.1f MB, %d fds",
		n, every, enrol.Secs, join.Secs, mb(base.heap+base.stack), mb(held.heap+held.stack), mb(base.rss), mb(held.rss), held.fds)
	b.Logf("window %.0fs: %.0f heartbeats/s of %.0f/s, site CPU %.2f%%; storm: all back in %v (loadgen %.1fs), %d refused, %d failed attempts, site CPU %.1fs, %d errors, %d warnings logged",
		elapsed, beats/elapsed, float64(n)/every.Seconds(), 100*busy, recovery.Round(time.Millisecond), storm.Secs,
		storm.Refused, storm.Failed, stormCPU.Seconds(), stormErrs, stormWarns)
}

// waitAgents waits until the site's metrics count want connected jump
// clients (listing 100,000 clients through the API would cost more than
// what is measured).
func waitAgents(b *testing.B, s *sitetest.Site, want int) {
	b.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		got := connectedJumpClients(b, s)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d jump clients connected, want %d", got, want)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func connectedJumpClients(b *testing.B, s *sitetest.Site) int {
	res, err := s.Client.Get(s.URL + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	n := 0
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, `tether_agents_connected{kind="jump"`) {
			f := strings.Fields(l)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			n += int(v)
		}
	}
	return n
}

// countingHandler counts the site's warnings and errors.
type countingHandler struct{ errors, warns atomic.Int64 }

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.errors.Add(1)
		if h.errors.Load() <= 5 {
			var attrs []string
			r.Attrs(func(a slog.Attr) bool { attrs = append(attrs, a.String()); return true })
			fmt.Println("site error:", r.Message, strings.Join(attrs, " "))
		}
	} else {
		h.warns.Add(1)
	}
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }
