// Package sitetest runs a real site (real SQLite, real TLS on a random
// loopback port) for tests of the site, the agent and the console, with a
// fake clock so that expiry is tested without waiting.
package sitetest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/internal/cfb"
	"github.com/tetherhq/tether/internal/cfb/cfbtest"
	"github.com/tetherhq/tether/internal/clock"
	"github.com/tetherhq/tether/internal/testdir"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/site/store"
)

// Site is a running test site.
type Site struct {
	T      testing.TB
	Server *site.Server
	URL    string
	Clock  *clock.Fake
	Data   string
	Agents string
	Token  string // bearer token of technician "tech"
	Client *http.Client

	// Served receives what ServeListener returned once it returns (after
	// a drain, or Stop).
	Served chan error

	opts site.Options
	stop func() // stops the running server
}

// Start runs a site; mod may adjust options before start.
func Start(t testing.TB, mod func(*site.Options)) *Site {
	t.Helper()
	dir := testdir.New(t)
	agents := filepath.Join(dir, "agents")
	os.MkdirAll(agents, 0o755)
	// A stand-in agent build: the support app reads its config from
	// whatever file it is given, so tests need no compiled agent.
	os.WriteFile(filepath.Join(agents, "tether-linux-amd64"), []byte("#!/bin/false\nstand-in agent build\n"), 0o755)
	os.WriteFile(filepath.Join(agents, "tether-windows-amd64.exe"), []byte("MZ stand-in"), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Start at the real time: agents and installers compare against their own
	// clocks too (e.g. an installer's validity).
	fc := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	o := site.Options{
		DataDir: filepath.Join(dir, "data"), Listen: ln.Addr().String(), AgentsDir: agents,
		PublicURL: "https://" + ln.Addr().String(), Clock: fc,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if testing.Verbose() {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if mod != nil {
		mod(&o)
	}
	if o.Listen != ln.Addr().String() {
		// mod moved the site to a given address, e.g. the one of a site
		// it replaces (a restore or a migration keeps agents' URLs).
		ln.Close()
		if ln, err = net.Listen("tcp", o.Listen); err != nil {
			t.Fatal(err)
		}
	}
	s := &Site{T: t, URL: o.PublicURL, Clock: fc, Data: o.DataDir, Agents: agents, opts: o,
		Client: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}}
	s.serve(ln)
	t.Cleanup(s.Stop)
	// A site started on existing data (a migrated or restored one) may
	// have "tech" already.
	if err := site.AddUser(context.Background(), s.DB(), "tech", "tech-password", false); err != nil && !errors.Is(err, store.ErrConflict) {
		t.Fatal(err)
	}
	if s.Token, err = site.CreateToken(context.Background(), s.DB(), "tech"); err != nil {
		t.Fatal(err)
	}
	return s
}

// serve starts a server on ln with s's options.
func (s *Site) serve(ln net.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := site.New(ctx, s.opts)
	if err != nil {
		ln.Close()
		s.T.Fatal(err)
	}
	done := make(chan struct{})
	s.Served = make(chan error, 1)
	go func() { defer close(done); s.Served <- srv.ServeListener(ctx, ln) }()
	s.Server = srv
	var once sync.Once
	s.stop = func() { once.Do(func() { cancel(); <-done; srv.Close() }) }
}

// Stop stops the site at once (every connection drops) and closes its
// store; it is idempotent, and runs in the test's cleanup anyway.
func (s *Site) Stop() { s.stop() }

// Options are the options the site was started with.
func (s *Site) Options() site.Options { return s.opts }

// Restart stops the site — every connection drops — and starts it again on
// the same address and data, as an operator's restart does. A site that
// stopped by itself (a drain) starts again the same way.
func (s *Site) Restart() {
	s.T.Helper()
	s.stop()
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		s.T.Fatal(err)
	}
	s.serve(ln)
}

// DB is the site's database URL, for the CLI functions of package site.
func (s *Site) DB() string { return site.DatabaseURL(s.opts.DataDir, s.opts.Database) }

// AddTechnician creates another technician and returns their token.
func (s *Site) AddTechnician(name string, admin bool) string {
	s.T.Helper()
	if err := site.AddUser(context.Background(), s.DB(), name, name+"-password", admin); err != nil {
		s.T.Fatal(err)
	}
	tok, err := site.CreateToken(context.Background(), s.DB(), name)
	if err != nil {
		s.T.Fatal(err)
	}
	return tok
}

// ClientFrom is an HTTP client whose connections come from ip, a loopback
// address such as 127.0.0.7 (Linux routes all of 127/8 to lo), so that tests
// can be many callers on one machine.
func (s *Site) ClientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{
		DialContext:     d.DialContext,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}}
}

// DoFrom is Do through client c.
func (s *Site) DoFrom(c *http.Client, token, method, path string, body, out any) int {
	s.T.Helper()
	saved := s.Client
	s.Client = c
	defer func() { s.Client = saved }()
	return s.Do(token, method, path, body, out)
}

// Do calls the API with a bearer token and decodes a JSON answer into out
// (when non-nil). It returns the status code.
func (s *Site) Do(token, method, path string, body, out any) int {
	s.T.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := s.Client.Do(req)
	if err != nil {
		s.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			s.T.Fatalf("%s %s: %d %q: %v", method, path, res.StatusCode, b, err)
		}
	}
	return res.StatusCode
}

// Session is the API's session answer.
type Session struct {
	ID           string     `json:"id"`
	Code         string     `json:"code"`
	SecurityCode string     `json:"security_code"`
	DownloadURL  string     `json:"download_url"`
	Status       string     `json:"status"`
	Computer     string     `json:"computer"`
	Online       bool       `json:"online"`
	Locked       bool       `json:"locked"`
	ExpiresAt    time.Time  `json:"expires_at"`
	EmailSentAt  *time.Time `json:"email_sent_at"`
	EmailError   string     `json:"email_error"`
}

// ErrorBody is SPEC F's error answer.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// CreateSession creates a session as "tech".
func (s *Site) CreateSession(body map[string]any) *Session {
	s.T.Helper()
	if body == nil {
		body = map[string]any{}
	}
	if _, ok := body["password"]; !ok {
		body["password"] = "access-pw"
	}
	var out Session
	if st := s.Do(s.Token, "POST", "/api/v1/sessions", body, &out); st != http.StatusCreated {
		s.T.Fatalf("create session: %d", st)
	}
	return &out
}

// Get reads a session as "tech".
func (s *Site) Get(id string) *Session {
	s.T.Helper()
	var out Session
	if st := s.Do(s.Token, "GET", "/api/v1/sessions/"+id, nil, &out); st != http.StatusOK {
		s.T.Fatalf("get session: %d", st)
	}
	return &out
}

// Download fetches the support app of a session into dir and returns its
// path, or the status and error body.
func (s *Site) Download(code, platform, dir string) (string, int, *ErrorBody) {
	s.T.Helper()
	res, err := s.Client.Get(fmt.Sprintf("%s/download/%s?platform=%s", s.URL, code, platform))
	if err != nil {
		s.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		var eb ErrorBody
		json.Unmarshal(b, &eb)
		return "", res.StatusCode, &eb
	}
	p := filepath.Join(dir, "tether-support-"+code)
	if err := os.WriteFile(p, b, 0o755); err != nil {
		s.T.Fatal(err)
	}
	return p, res.StatusCode, nil
}

// WaitFor polls cond until it holds or the deadline passes.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// StandInMSI writes a stand-in signed template MSI for platform beside the
// agent builds: a compound file whose signature stream holds the blob
// osslsigncode reserves (a marker and 993 zero bytes, scattered over mini
// sectors) and the digest of the agent it would install. Enough for the
// site to offer and stamp MSIs; the real one is built by packaging.BuildMSI.
func (s *Site) StandInMSI(platform, agentDigest string) string {
	s.T.Helper()
	blob := append(append([]byte("\x0c\x82\x04\x00---BEGIN_BLOB---"), make([]byte, 993)...), "---END_BLOB---"...)
	sig := append(append([]byte("\x30\x82 PKCS#7 ..."), blob...), bytes.Repeat([]byte{7}, 900)...)
	file := cfbtest.Build([]cfbtest.Stream{
		{Name: "\x05SummaryInformation", Data: []byte("summary")},
		{Name: cfb.EncodeMSIName("tether.cab"), Data: bytes.Repeat([]byte("cab"), 3000)},
		{Name: embedcfg.MSISignatureStream, Data: sig},
		{Name: cfb.EncodeMSIName(embedcfg.MSIAgentDigestStream), Data: []byte(agentDigest)},
	}, true)
	path := filepath.Join(s.Agents, "tether-"+platform+".msi")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		s.T.Fatal(err)
	}
	return path
}

// DownloadRaw fetches the plain agent binary of an installer link into dir.
func (s *Site) DownloadRaw(url, dir string) string {
	s.T.Helper()
	res, err := s.Client.Get(url + "?format=raw")
	if err != nil {
		s.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		s.T.Fatalf("download %s: %d %s", url, res.StatusCode, b)
	}
	p := filepath.Join(dir, "tether")
	if err := os.WriteFile(p, b, 0o755); err != nil {
		s.T.Fatal(err)
	}
	return p
}
