//go:build linux

package site_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
)

// BenchmarkIdleJumpClients measures what one site pays to hold N idle
// active jump clients: memory per connected client and the heartbeats it
// handles. The clients run in a child process (jumpclients_loadtest_test.go)
// and do the real handshake over loopback TLS, so the memory statistics of
// this process are the site's.
//
// Phases: every client enrols once with its own identity and disconnects;
// the site, now holding N enrolled but offline clients, is the baseline.
// Then all N rejoin with their IDs and stay idle; the difference of
// HeapInuse+StackInuse (after GC) divided by N is the cost per client.
// Last, site CPU and answered heartbeats are counted over a window.
//
// Two kinds of clients, each against its own site in the same run:
// agent=beats is today's agent (it sends a beat the site answers, and the
// site holds the idle connection without a reader, site/idle.go);
// agent=pings is an agent from before beats, which the site serves with a
// goroutine reading the connection and pings, and which pings the site —
// the baseline of docs/BENCHMARKS.md. A heartbeat is one answered round
// trip: a beat, or a ping either way.
//
// N and the heartbeat interval come from TETHER_BENCH_JC_N (default 200,
// small enough for CI's -benchtime=1x) and TETHER_BENCH_JC_HEARTBEAT
// (default 1s; the site's default is 25s). For the numbers in
// docs/BENCHMARKS.md:
//
//	TETHER_BENCH_JC_N=10000 go test ./site -run '^$' -bench IdleJumpClients -benchtime 1x -timeout 15m
func BenchmarkIdleJumpClients(b *testing.B) {
	for _, pings := range []bool{false, true} {
		name := map[bool]string{false: "agent=beats", true: "agent=pings"}[pings]
		b.Run(name, func(b *testing.B) { benchIdleJumpClients(b, pings, false) })
	}
}

// BenchmarkIdleJumpClientsMetrics is BenchmarkIdleJumpClients' agent=beats
// with the site's metrics on (as `tether-site serve` runs) and off
// (Options.DisableMetrics, the baseline): what counting the connected
// agents, every answered beat and every store call costs.
//
//	TETHER_BENCH_JC_N=5000 go test ./site -run '^$' -bench IdleJumpClientsMetrics -benchtime 1x -timeout 30m
func BenchmarkIdleJumpClientsMetrics(b *testing.B) {
	for _, off := range []bool{false, true} {
		name := map[bool]string{false: "metrics=on", true: "metrics=off"}[off]
		b.Run(name, func(b *testing.B) { benchIdleJumpClients(b, false, off) })
	}
}

func benchIdleJumpClients(b *testing.B, pings, metricsOff bool) {
	n := envInt(b, "TETHER_BENCH_JC_N", 200)
	every := envDuration(b, "TETHER_BENCH_JC_HEARTBEAT", time.Second)
	window := envDuration(b, "TETHER_BENCH_JC_WINDOW", max(3*every, 3*time.Second))
	raiseNoFile(b, uint64(n)+uint64(n)/4+1024)
	if os.Getenv("TETHER_BENCH_JC_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 256 // every allocation of a connection shows
	}
	s := sitetest.Start(b, func(o *site.Options) { unlimited(o); o.Heartbeat, o.DisableMetrics = every, metricsOff })
	g := startLoadGen(b, benchInstaller(b, s), n, pings)

	enrol := g.call("enrol")
	waitJumpClientsOnline(b, s, 0)
	base := sampleSite(s)
	idleCPU := siteCPU(min(window, 5*time.Second)) // baseline: N enrolled, none connected
	join := g.call("connect")
	waitJumpClientsOnline(b, s, n)
	time.Sleep(every + time.Second) // let the first heartbeats go out
	held := sampleSite(s)
	if p := os.Getenv("TETHER_BENCH_JC_HEAPPROFILE"); p != "" {
		writeProfile(b, p, func(f *os.File) error { return pprof.WriteHeapProfile(f) })
	}
	if p := os.Getenv("TETHER_BENCH_JC_CPUPROFILE"); p != "" {
		writeProfile(b, p, func(f *os.File) error {
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			b.Cleanup(pprof.StopCPUProfile)
			return nil
		})
	}

	var beats, lost int64
	var cpu, elapsed time.Duration
	b.ResetTimer()
	for range b.N {
		s0, c0, t0 := g.call("stats"), cpuTime(), time.Now()
		time.Sleep(window)
		s1, c1, t1 := g.call("stats"), cpuTime(), time.Now()
		beats += s1.BeatsIn - s0.BeatsIn + s1.PingsIn - s0.PingsIn + s1.PongsIn - s0.PongsIn
		lost = s1.Lost
		cpu += c1 - c0
		elapsed += t1.Sub(t0)
	}
	b.StopTimer()
	g.close()
	if lost > 0 {
		b.Errorf("%d of %d idle jump clients lost their connection", lost, n)
	}

	perClient := func(f func(siteSample) uint64) float64 { return (float64(f(held)) - float64(f(base))) / float64(n) }
	mem := perClient(func(x siteSample) uint64 { return x.heap + x.stack })
	rate := float64(beats) / elapsed.Seconds()
	expected := float64(n) / every.Seconds()
	if pings {
		expected *= 2 // the site's and the agent's
	}
	busy := cpu.Seconds() / elapsed.Seconds()
	b.ReportMetric(mem, "site-B/client")
	b.ReportMetric(perClient(func(x siteSample) uint64 { return x.heap }), "heap-B/client")
	b.ReportMetric(perClient(func(x siteSample) uint64 { return x.live }), "live-heap-B/client")
	b.ReportMetric(perClient(func(x siteSample) uint64 { return x.stack }), "stack-B/client")
	b.ReportMetric(perClient(func(x siteSample) uint64 { return x.rss }), "RSS-B/client")
	b.ReportMetric(perClient(func(x siteSample) uint64 { return uint64(x.goroutines) }), "goroutines/client")
	b.ReportMetric(rate, "heartbeats/s")
	b.ReportMetric(rate/expected, "heartbeats/expected")
	b.ReportMetric(100*busy, "site-CPU-%")
	b.ReportMetric(100*idleCPU, "idle-site-CPU-%")
	if beats > 0 {
		b.ReportMetric(1e6*max(busy-idleCPU, 0)/rate, "site-CPU-µs/heartbeat")
	}
	b.ReportMetric(float64(n)/join.Secs, "rejoins/s")
	b.ReportMetric(0, "ns/op")
	b.Logf("N=%d heartbeat=%v: enrol %.1fs, rejoin %.1fs", n, every, enrol.Secs, join.Secs)
	b.Logf("baseline (N enrolled, none connected): heap+stack %.1f MB, live heap %.1f MB, %d goroutines, %d fds, RSS %.1f MB, CPU %.2f%%",
		mb(base.heap+base.stack), mb(base.live), base.goroutines, base.fds, mb(base.rss), 100*idleCPU)
	b.Logf("N connected: heap+stack %.1f MB (%+.0f B/client), live heap %.1f MB, %d goroutines, %d fds, RSS %.1f MB",
		mb(held.heap+held.stack), mem, mb(held.live), held.goroutines, held.fds, mb(held.rss))
	b.Logf("heartbeats %.0f/s of %.0f/s expected, site CPU %.2f%% over %v", rate, expected, 100*busy, elapsed.Round(time.Millisecond))
}

// siteCPU is this process's CPU use (1 = one core) over d.
func siteCPU(d time.Duration) float64 {
	c0, t0 := cpuTime(), time.Now()
	time.Sleep(d)
	return (cpuTime() - c0).Seconds() / time.Since(t0).Seconds()
}

func writeProfile(b *testing.B, path string, write func(*os.File) error) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	if err := write(f); err != nil {
		b.Fatal(err)
	}
}

func mb(v uint64) float64 { return float64(v) / (1 << 20) }

type siteSample struct {
	heap, live, stack, rss uint64
	goroutines, fds        int
}

// sampleSite reads this process's memory after letting it settle: the API
// client's keep-alive connection is closed (so it is not counted) and
// repeated GCs shrink the goroutine stacks that grew during handshakes.
func sampleSite(s *sitetest.Site) siteSample {
	s.Client.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond)
	for range 3 {
		runtime.GC()
	}
	debug.FreeOSMemory() // one more GC, and RSS without freed spans
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	x := siteSample{heap: m.HeapInuse, live: m.HeapAlloc, stack: m.StackInuse, goroutines: runtime.NumGoroutine()}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		x.fds = len(fds)
	}
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		var size, res uint64
		if _, err := fmt.Sscan(string(b), &size, &res); err == nil {
			x.rss = res * uint64(os.Getpagesize())
		}
	}
	return x
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// raiseNoFile makes room for need descriptors (each side of the loopback
// connections is in its own process; the child inherits the limit).
func raiseNoFile(b *testing.B, need uint64) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	if lim.Cur >= need {
		return
	}
	if need <= lim.Max { // all there is without CAP_SYS_RESOURCE: headroom for storms
		need = lim.Max
	}
	lim.Cur = need
	lim.Max = max(lim.Max, need)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatalf("need %d file descriptors: %v (raise ulimit -n)", need, err)
	}
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		b.Fatalf("%s=%q: want a duration such as 25s", name, v)
	}
	return d
}

// benchInstaller creates an installer and downloads its binary (the
// stand-in agent build with the signed installer config).
func benchInstaller(b *testing.B, s *sitetest.Site) string {
	var in struct {
		DownloadURL string `json:"download_url"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"tag": "bench", "valid_for": "24h"}, &in); st != 201 {
		b.Fatalf("create installer: %d", st)
	}
	res, err := s.Client.Get(in.DownloadURL + "?format=raw")
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		b.Fatalf("download installer: %d %s", res.StatusCode, data)
	}
	p := filepath.Join(b.TempDir(), "tether")
	if err := os.WriteFile(p, data, 0o755); err != nil {
		b.Fatal(err)
	}
	return p
}

// waitJumpClientsOnline polls the API until the site lists want jump
// clients online.
func waitJumpClientsOnline(b *testing.B, s *sitetest.Site, want int) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var l struct{ Counts map[string]int }
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		if l.Counts["online"] == want {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d jump clients online, want %d", l.Counts["online"], want)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

type loadGenProc struct {
	b     *testing.B
	in    io.WriteCloser
	out   *bufio.Scanner
	close func() // ends the child and waits for the site to let go
}

// waitGoroutines waits until this process runs no more than want
// goroutines (plus a few of the runtime's and the test's).
func waitGoroutines(b *testing.B, want int) {
	deadline := time.Now().Add(time.Minute)
	for runtime.NumGoroutine() > want+5 {
		if time.Now().After(deadline) {
			b.Logf("%d goroutines still running, %d at the start", runtime.NumGoroutine(), want)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startLoadGen re-executes this test binary as the load generator.
func startLoadGen(b *testing.B, installer string, n int, pings bool) *loadGenProc {
	return startLoadGenWith(b, loadGenConfig{Installer: installer, N: n, Workers: 32, Pings: pings})
}

// startLoadGenWith is startLoadGen with every option.
func startLoadGenWith(b *testing.B, lc loadGenConfig) *loadGenProc {
	cfg, _ := json.Marshal(lc)
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), loadGenEnv+"="+string(cfg))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	before := runtime.NumGoroutine()
	stop := sync.OnceFunc(func() {
		in.Close()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		// The site's handlers finish (and write last_seen) after the
		// clients are gone; let them, before the data dir is removed.
		waitGoroutines(b, before)
	})
	b.Cleanup(stop)
	return &loadGenProc{b: b, in: in, out: bufio.NewScanner(out), close: stop}
}

// call sends one command and fails the benchmark unless every client did it.
func (g *loadGenProc) call(cmd string) loadGenReply {
	g.b.Helper()
	r := g.try(cmd)
	if r.Err != "" {
		g.b.Fatalf("load generator %s: %d done: %s", cmd, r.Done, r.Err)
	}
	return r
}

// try sends one command and returns the answer, whatever it says.
func (g *loadGenProc) try(cmd string) loadGenReply {
	g.b.Helper()
	if _, err := io.WriteString(g.in, cmd+"\n"); err != nil {
		g.b.Fatalf("load generator: %v", err)
	}
	if !g.out.Scan() {
		g.b.Fatalf("load generator exited (%v)", g.out.Err())
	}
	var r loadGenReply
	if err := json.Unmarshal(g.out.Bytes(), &r); err != nil {
		g.b.Fatalf("load generator: %q: %v", g.out.Bytes(), err)
	}
	return r
}
