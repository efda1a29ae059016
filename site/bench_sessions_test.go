//go:build linux

package site_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/pgtest"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
)

// BenchmarkSessionCreate measures POST /api/v1/sessions through the HTTP
// API: real TLS on loopback, the site in this process, the load — C
// concurrent clients with keep-alive connections creating N sessions — in
// a child process (this test binary re-executed with sessionLoadEnv), so
// that the site's CPU is this process's alone.
//
// db=sqlite|postgres is the store (PostgreSQL: internal/pgtest's private
// server); hash=argon2id is the site as it is, hash=off replaces the
// access password's argon2id hash by a SHA-256 (site.SetAccessPasswordHash)
// to show what everything else costs. BenchmarkArgon2id, in the same run,
// is the baseline: what the hash alone allows.
//
//	TETHER_BENCH_SESSIONS_N=2000 go test ./site -run '^$' -bench 'SessionCreate|Argon2id' -benchtime 1x
func BenchmarkSessionCreate(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		for _, hash := range []string{"argon2id", "off"} {
			b.Run("db="+db+"/hash="+hash, func(b *testing.B) { benchSessionCreate(b, db, hash == "off") })
		}
	}
}

// BenchmarkArgon2id is the access password's hash alone, on one goroutine
// and on every core.
func BenchmarkArgon2id(b *testing.B) {
	// CPU-ms/hash (getrusage) does not depend on what else the machine
	// runs; 1000 / CPU-ms/hash is what one core hashes per second.
	report := func(b *testing.B, start time.Time, cpu0 time.Duration) {
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "hashes/s")
		b.ReportMetric(1e3*(cpuTime()-cpu0).Seconds()/float64(b.N), "CPU-ms/hash")
	}
	b.Run("goroutines=1", func(b *testing.B) {
		start, cpu0 := time.Now(), cpuTime()
		for range b.N {
			site.HashPassword("access-pw")
		}
		report(b, start, cpu0)
	})
	b.Run(fmt.Sprintf("goroutines=%d", runtime.GOMAXPROCS(0)), func(b *testing.B) {
		start, cpu0 := time.Now(), cpuTime()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				site.HashPassword("access-pw")
			}
		})
		report(b, start, cpu0)
	})
}

func benchSessionCreate(b *testing.B, db string, noHash bool) {
	n := envInt(b, "TETHER_BENCH_SESSIONS_N", 200)
	c := envInt(b, "TETHER_BENCH_SESSIONS_C", 16)
	if noHash {
		b.Cleanup(site.SetAccessPasswordHash(func(pw string) string {
			h := sha256.Sum256([]byte(pw))
			return hex.EncodeToString(h[:])
		}))
	}
	s := sitetest.Start(b, func(o *site.Options) {
		unlimited(o)
		if db == "postgres" {
			o.Database = pgtest.Start(b)
		}
	})
	var created, refused int
	var elapsed, cpu time.Duration
	var statuses []string
	b.ResetTimer()
	for range b.N {
		c0 := cpuTime()
		r := runSessionLoad(b, s, n, c)
		cpu += cpuTime() - c0
		created += r.Created
		refused += r.Done - r.Created
		elapsed += time.Duration(r.Secs * float64(time.Second))
		statuses = append(statuses, fmt.Sprint(r.Statuses))
	}
	b.StopTimer()
	rate := float64(created) / elapsed.Seconds()
	b.ReportMetric(rate, "sessions/s")
	b.ReportMetric(float64(refused), "refused")
	b.ReportMetric(100*cpu.Seconds()/elapsed.Seconds(), "site-CPU-%")
	b.ReportMetric(1e3*cpu.Seconds()/float64(max(created, 1)), "site-CPU-ms/session")
	b.ReportMetric(0, "ns/op")
	b.Logf("N=%d C=%d: %.0f sessions/s, answers %s", n, c, rate, strings.Join(statuses, " "))
	if refused > 0 {
		b.Errorf("%d of %d creations refused: %v", refused, created+refused, statuses)
	}
}

// sessionLoadEnv carries the child's JSON sessionLoadConfig.
const sessionLoadEnv = "TETHER_SESSION_LOADGEN"

type sessionLoadConfig struct {
	URL, Token string
	N, C       int
}

type sessionLoadResult struct {
	Done, Created int
	Secs          float64
	Statuses      map[int]int
	Err           string
}

func init() {
	if c := os.Getenv(sessionLoadEnv); c != "" {
		os.Exit(sessionLoad(c))
	}
}

// runSessionLoad runs the child and returns what it measured.
func runSessionLoad(b *testing.B, s *sitetest.Site, n, c int) sessionLoadResult {
	b.Helper()
	cfg, _ := json.Marshal(sessionLoadConfig{URL: s.URL, Token: s.Token, N: n, C: c})
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), sessionLoadEnv+"="+string(cfg))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("session load generator: %v", err)
	}
	var r sessionLoadResult
	if err := json.Unmarshal(out, &r); err != nil || r.Err != "" {
		b.Fatalf("session load generator: %q %v %s", out, err, r.Err)
	}
	return r
}

// sessionLoad is the child: C workers create N sessions in all, each
// request bounded by 30 s and the whole run by 10 minutes; it prints one
// JSON result.
func sessionLoad(raw string) int {
	var cfg sessionLoadConfig
	res := sessionLoadResult{Statuses: map[int]int{}}
	defer func() { json.NewEncoder(os.Stdout).Encode(res) }()
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		res.Err = err.Error()
		return 1
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, MaxIdleConnsPerHost: cfg.C}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	body := []byte(`{"password":"access-pw","customer_name":"load"}`)
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range cfg.C {
		wg.Go(func() {
			for next.Add(1) <= int64(cfg.N) && ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "POST", cfg.URL+"/api/v1/sessions", strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+cfg.Token)
				code := 0
				if r, err := client.Do(req); err == nil {
					io.Copy(io.Discard, r.Body)
					r.Body.Close()
					code = r.StatusCode
				}
				mu.Lock()
				res.Done++
				res.Statuses[code]++
				if code == http.StatusCreated {
					res.Created++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.Secs = time.Since(start).Seconds()
	return 0
}
