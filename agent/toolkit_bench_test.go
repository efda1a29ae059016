package agent_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/testdir"
)

// patternReader yields n deterministic, incompressible-looking bytes
// without holding them: a 2 GB transfer must not need 2 GB of memory in
// the benchmark either.
type patternReader struct {
	n, off int64
	block  []byte
}

func newPattern(n int64) *patternReader {
	b := make([]byte, 1<<20)
	rand.Read(b)
	return &patternReader{n: n, block: b}
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	i := p.off % int64(len(p.block))
	n := copy(b, p.block[i:])
	n = int(min(int64(n), p.n-p.off))
	p.off += int64(n)
	return n, nil
}

// rss reads this process's resident set in bytes (Linux).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// peakRSS samples rss every 20 ms until stop is closed.
func peakRSS(stop <-chan struct{}) func() int64 {
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if r := rss(); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 { <-done; return peak.Load() }
}

// plainTLSCopy is the baseline: the same bytes over one TLS connection on
// loopback into a file, as fast as it goes.
func plainTLSCopy(b *testing.B, n int64, dir string) time.Duration {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	got := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err
			return
		}
		defer c.Close()
		f, err := os.Create(filepath.Join(dir, "baseline.bin"))
		if err != nil {
			got <- err
			return
		}
		defer f.Close()
		_, err = io.Copy(f, c)
		got <- err
	}()
	start := time.Now()
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(c, newPattern(n)); err != nil {
		b.Fatal(err)
	}
	c.Close()
	if err := <-got; err != nil {
		b.Fatal(err)
	}
	d := time.Since(start)
	os.Remove(filepath.Join(dir, "baseline.bin"))
	return d
}

// BenchmarkFileTransfer2GB moves TETHER_BENCH_BYTES (default 2 GiB, SPEC's
// target) up and down through a real site and support app, measuring the
// throughput against a plain TLS copy of the same bytes in the same run
// and the peak RSS growth of the process (site and agent share it here).
// go test ./agent -run '^$' -bench FileTransfer2GB -benchtime 1x
func BenchmarkFileTransfer2GB(b *testing.B) {
	n := int64(2 << 30)
	if v := os.Getenv("TETHER_BENCH_BYTES"); v != "" {
		n, _ = strconv.ParseInt(v, 10, 64)
	}
	for range b.N {
		benchOnce(b, n)
	}
}

func benchOnce(b *testing.B, n int64) {
	dir := testdir.New(b)
	agent.TransferDir = dir
	defer func() { agent.TransferDir = "" }()
	s := sitetest.Start(b, nil)
	ss := s.CreateSession(nil)
	exe, st, _ := s.Download(ss.Code, "linux-amd64", testdir.New(b))
	if st != 200 {
		b.Fatalf("download: %d", st)
	}
	w := &toolWindow{allow: true, events: make(chan ui.Event)}
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	go agent.RunSupport(ctx, agent.SupportOptions{Executable: exe, StateDir: testdir.New(b), SecurityCode: ss.SecurityCode,
		Stdout: io.Discard, Stdin: strings.NewReader(""), Window: w})
	sitetest.WaitFor(b, "activated", func() bool { g := s.Get(ss.ID); return g.Status == "activated" && g.Online })
	base := s.URL + "/api/v1/sessions/" + ss.ID + "/files?path=big.bin"
	baseline := plainTLSCopy(b, n, dir)

	before := rss()
	stop := make(chan struct{})
	peak := peakRSS(stop)
	start := time.Now()
	r, _ := http.NewRequest("PUT", base, newPattern(n))
	r.ContentLength = n
	r.Header.Set("Authorization", "Bearer "+s.Token)
	res, err := s.Client.Do(r)
	if err != nil {
		b.Fatal(err)
	}
	var up struct {
		Size   int64
		SHA256 string
	}
	json.NewDecoder(res.Body).Decode(&up)
	res.Body.Close()
	upTime := time.Since(start)
	if res.StatusCode != 201 || up.Size != n {
		b.Fatalf("upload: %d %+v", res.StatusCode, up)
	}
	start = time.Now()
	r, _ = http.NewRequest("GET", base, nil)
	r.Header.Set("Authorization", "Bearer "+s.Token)
	res, err = s.Client.Do(r)
	if err != nil {
		b.Fatal(err)
	}
	got, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	downTime := time.Since(start)
	close(stop)
	growth := peak() - before
	if err != nil || got != n || res.Trailer.Get("X-Tether-SHA256") != up.SHA256 {
		b.Fatalf("download: %d bytes, %v, trailer %q want %q", got, err, res.Trailer.Get("X-Tether-SHA256"), up.SHA256)
	}
	mbps := func(d time.Duration) float64 { return float64(n) / d.Seconds() / 1e6 }
	b.ReportMetric(mbps(baseline), "baseline-MB/s")
	b.ReportMetric(mbps(upTime), "upload-MB/s")
	b.ReportMetric(mbps(downTime), "download-MB/s")
	b.ReportMetric(baseline.Seconds()/upTime.Seconds(), "upload-ratio")
	b.ReportMetric(baseline.Seconds()/downTime.Seconds(), "download-ratio")
	b.ReportMetric(float64(growth)/(1<<20), "peak-RSS-growth-MiB")
	os.Remove(filepath.Join(dir, "big.bin"))
}
