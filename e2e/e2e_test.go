//go:build linux

// Package e2e holds the end-to-end test of Tether: a real site, a real
// support app on an Xvfb display running xterm, and the console viewer
// driven in headless Chromium (viewer.mjs, playwright-core).
//
// Run: (cd e2e && npm install) && TETHER_REQUIRE_BROWSER=1 go test ./e2e/ -v
// Without TETHER_REQUIRE_BROWSER=1 the test skips when chromium, node,
// Xvfb, xterm or e2e/node_modules are missing.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tetherhq/tether/internal/syncbuf"
	"github.com/tetherhq/tether/internal/xvfbtest"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	techName       = "tech"
	techPassword   = "tech-password-e2e"
	accessPassword = "access-pw-e2e"
	chromiumPath   = "/usr/bin/chromium"
)

// prerequisites skips (or, with TETHER_REQUIRE_BROWSER=1, fails) when the
// tools the test drives are missing.
func prerequisites(t *testing.T) {
	t.Helper()
	var missing []string
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		missing = append(missing, "linux/amd64 host (have "+runtime.GOOS+"/"+runtime.GOARCH+")")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		missing = append(missing, chromiumPath)
	}
	for _, tool := range []string{"node", "Xvfb", "xterm"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if _, err := os.Stat(filepath.Join("node_modules", "playwright-core", "package.json")); err != nil {
		missing = append(missing, "e2e/node_modules/playwright-core (run npm install in e2e/)")
	}
	if len(missing) == 0 {
		return
	}
	msg := "missing: " + strings.Join(missing, ", ")
	if os.Getenv("TETHER_REQUIRE_BROWSER") == "1" {
		t.Fatal("TETHER_REQUIRE_BROWSER=1 but " + msg)
	}
	t.Skip(msg + " (set TETHER_REQUIRE_BROWSER=1 to make this a failure)")
}

// harness starts children and dumps their output when the test fails.
type harness struct {
	t    *testing.T
	ctx  context.Context
	logs []struct {
		name string
		buf  *syncbuf.Buffer
	}
}

func newHarness(t *testing.T, ctx context.Context) *harness {
	h := &harness{t: t, ctx: ctx}
	t.Cleanup(func() {
		if !t.Failed() && !testing.Verbose() {
			return
		}
		for _, l := range h.logs {
			if s := l.buf.String(); s != "" {
				t.Logf("---- %s output ----\n%s", l.name, s)
			}
		}
	})
	return h
}

func (h *harness) capture(name string) *syncbuf.Buffer {
	b := &syncbuf.Buffer{}
	h.logs = append(h.logs, struct {
		name string
		buf  *syncbuf.Buffer
	}{name, b})
	return b
}

// command makes a child that dies with the test and whose stderr (and
// stdout unless redirected by the caller) is captured.
func (h *harness) command(name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(h.ctx, name, args...)
	dieWithTest(cmd)
	out := h.capture(filepath.Base(name) + " " + strings.Join(args, " "))
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 3 * time.Second
	return cmd
}

// start starts a long-running child and kills it at cleanup.
func (h *harness) start(cmd *exec.Cmd) {
	h.t.Helper()
	if err := cmd.Start(); err != nil {
		h.t.Fatalf("start %s: %v", cmd.Path, err)
	}
	h.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
}

// run runs a short child and returns its stdout.
func (h *harness) run(stdin string, name string, args ...string) string {
	h.t.Helper()
	cmd := h.command(name, args...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stdin = strings.NewReader(stdin)
	if err := cmd.Run(); err != nil {
		h.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, h.logs[len(h.logs)-1].buf.String())
	}
	return stdout.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startXvfb starts Xvfb on a free display and returns ":N".
func startXvfb(t *testing.T, _ *harness) string {
	t.Helper()
	return xvfbtest.Start(t, 1280, 720).Display
}

type client struct {
	t     *testing.T
	base  string
	token string
	http  *http.Client
}

func (c *client) do(method, path string, body any, want int, out any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
}

type sessionInfo struct {
	ID           string `json:"id"`
	Code         string `json:"code"`
	SecurityCode string `json:"security_code"`
	DownloadURL  string `json:"download_url"`
	Status       string `json:"status"`
	Online       bool   `json:"online"`
}

// getSession is the goroutine-safe variant of GET /api/v1/sessions/{id}.
func (c *client) getSession(ctx context.Context, id string) (*sessionInfo, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/api/v1/sessions/"+id, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	var s sessionInfo
	return &s, json.NewDecoder(resp.Body).Decode(&s)
}

func TestViewerEndToEnd(t *testing.T) {
	prerequisites(t)
	ctx, cancel := context.WithTimeout(t.Context(), 85*time.Second)
	defer cancel()
	h := newHarness(t, ctx)
	tmp := t.TempDir()

	// Binaries: the agent goes into the site's agents dir under the name
	// the site serves for linux-amd64.
	bin := filepath.Join(tmp, "bin")
	agents := filepath.Join(tmp, "agents")
	siteBin := filepath.Join(bin, "tether-site")
	build := h.command("go", "build", "-o", siteBin, "./cmd/tether-site")
	build.Dir = ".."
	if err := build.Run(); err != nil {
		t.Fatalf("build tether-site: %v", err)
	}
	build = h.command("go", "build", "-o", filepath.Join(agents, "tether-linux-amd64"), "./cmd/tether")
	build.Dir = ".."
	if err := build.Run(); err != nil {
		t.Fatalf("build tether: %v", err)
	}

	// Remote desktop: Xvfb with an xterm at the top-left corner.
	display := startXvfb(t, h)
	home := filepath.Join(tmp, "home")
	os.MkdirAll(home, 0o700)
	xterm := h.command("xterm", "-geometry", "100x30+0+0")
	xterm.Env = append(os.Environ(), "DISPLAY="+display, "SHELL=/bin/sh", "HOME="+home, "ENV=", "PS1=$ ")
	xterm.Dir = home
	h.start(xterm)

	// Site.
	data := filepath.Join(tmp, "data")
	port := freePort(t)
	base := fmt.Sprintf("https://127.0.0.1:%d", port)
	siteOut := h.capture("tether-site serve (stdout)")
	serve := h.command(siteBin, "serve", "--data", data, "--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--public-url", base, "--agents", agents)
	pr, pw := io.Pipe()
	serve.Stdout = pw
	h.start(serve)
	adminSeen := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := sync.Once{}
		for sc.Scan() {
			fmt.Fprintln(siteOut, sc.Text())
			if strings.HasPrefix(sc.Text(), "Admin login:") {
				once.Do(func() { close(adminSeen) })
			}
		}
	}()
	t.Cleanup(func() { pw.Close() })
	select {
	case <-adminSeen:
	case <-time.After(20 * time.Second):
		t.Fatal(`site did not print "Admin login:" within 20s`)
	}
	httpc := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}
	waitFor(t, ctx, 15*time.Second, "site to answer HTTPS", func() error {
		resp, err := httpc.Get(base + "/console/login")
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	})

	h.run(techPassword+"\n", siteBin, "user", "add", techName, "--password-stdin", "--data", data)
	token := strings.TrimSpace(h.run("", siteBin, "token", "create", techName, "--data", data))
	if token == "" {
		t.Fatal("token create printed nothing")
	}
	api := &client{t: t, base: base, token: token, http: httpc}

	// Session, download, support app.
	var sess sessionInfo
	api.do("POST", "/api/v1/sessions", map[string]any{
		"customer_name": "E2E Customer", "password": accessPassword, "expires_in": "1h",
	}, http.StatusCreated, &sess)
	if sess.ID == "" || sess.Code == "" || sess.SecurityCode == "" {
		t.Fatalf("create session answer lacks id/code/security_code: %+v", sess)
	}
	appDir := filepath.Join(tmp, "customer")
	os.MkdirAll(appDir, 0o700)
	app := filepath.Join(appDir, "tether-support")
	download(t, httpc, base+"/download/"+sess.Code+"?platform=linux-amd64", app)

	agent := h.command(app, "support", "--state-dir", filepath.Join(tmp, "agent-state"),
		"--security-code", sess.SecurityCode, "--allow-control", "-v")
	agent.Env = append(os.Environ(), "DISPLAY="+display, "TETHER_NO_DIALOG=1")
	if err := agent.Start(); err != nil {
		t.Fatalf("start support app: %v", err)
	}
	agentDone := make(chan error, 1)
	go func() { agentDone <- agent.Wait() }()
	t.Cleanup(func() { agent.Process.Kill() })

	waitFor(t, ctx, 20*time.Second, "session activated and online", func() error {
		select {
		case err := <-agentDone:
			agentDone <- err
			return fmt.Errorf("support app exited early: %v", err)
		default:
		}
		s, err := api.getSession(ctx, sess.ID)
		if err != nil {
			return err
		}
		if (s.Status != "activated" && s.Status != "connected") || !s.Online {
			return fmt.Errorf("status %q online %v", s.Status, s.Online)
		}
		return nil
	})

	// Watch the session's status while the viewer runs.
	var (
		statusMu   sync.Mutex
		statusSeen = map[string]bool{}
	)
	watchCtx, stopWatch := context.WithCancel(ctx)
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		for watchCtx.Err() == nil {
			if s, err := api.getSession(watchCtx, sess.ID); err == nil {
				statusMu.Lock()
				statusSeen[s.Status] = true
				statusMu.Unlock()
			}
			select {
			case <-watchCtx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()

	// Browser: log in, view, type a command into the remote xterm.
	marker := filepath.Join(tmp, "typed-by-viewer")
	out := h.capture("node viewer.mjs (stdout)")
	node := h.command("node", "viewer.mjs")
	node.Stdout = out
	node.Env = append(os.Environ(),
		"SITE_URL="+base, "TECH_NAME="+techName, "TECH_PASSWORD="+techPassword,
		"SESSION_ID="+sess.ID, "ACCESS_PASSWORD="+accessPassword,
		"TYPE_TEXT=echo tether-e2e-ok > "+marker)
	nodeErr := node.Run()
	t.Logf("viewer.mjs: %s", strings.TrimSpace(out.String()))
	if nodeErr != nil {
		stopWatch()
		t.Fatalf("viewer.mjs failed (%v): %s (screenshot in e2e/out/viewer.png)", nodeErr, lastLine(h.logs[len(h.logs)-1].buf.String()))
	}
	var shot struct{ Width, Height, DistinctColours int }
	if err := json.Unmarshal([]byte(lastLine(out.String())), &shot); err != nil {
		t.Fatalf("viewer.mjs printed no JSON result: %v", err)
	}
	if shot.Width != 1280 || shot.Height != 720 {
		t.Errorf("canvas is %dx%d, want the remote display's 1280x720", shot.Width, shot.Height)
	}

	// The keystrokes must have run in the remote xterm.
	waitFor(t, ctx, 10*time.Second, "typed command to write "+marker, func() error {
		b, err := os.ReadFile(marker)
		if err != nil {
			return err
		}
		if strings.TrimSpace(string(b)) != "tether-e2e-ok" {
			return fmt.Errorf("content %q", b)
		}
		return nil
	})
	stopWatch()
	<-watchDone
	statusMu.Lock()
	if !statusSeen["connected"] {
		t.Errorf("session status was never \"connected\" while the viewer was streaming; saw %v", keys(statusSeen))
	}
	statusMu.Unlock()

	// Closing the session ends the app with status 12 and removes it.
	api.do("POST", "/api/v1/sessions/"+sess.ID+"/close", nil, http.StatusOK, nil)
	select {
	case err := <-agentDone:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 12 {
			t.Errorf("support app exited with %v, want exit status 12", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("support app did not exit within 15s of closing the session")
	}
	waitFor(t, ctx, 5*time.Second, "support app to remove its binary", func() error {
		if _, err := os.Stat(app); err == nil {
			return errors.New("still there")
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	})
}

func download(t *testing.T, c *http.Client, url, dst string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("download %s: %s: %s", url, resp.Status, b)
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		t.Fatalf("download: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls f until it returns nil, failing the test after d.
func waitFor(t *testing.T, ctx context.Context, d time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func keys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
