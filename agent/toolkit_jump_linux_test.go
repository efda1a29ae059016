package agent_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent/desktop"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/xvfbtest"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/wire"
)

// TestToolkitHeadlessJumpClient: on a jump client without a display the
// technician gets a shell, system information and files anywhere the
// agent's user may go; chat is refused clearly (nobody to chat with).
func TestToolkitHeadlessJumpClient(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	headless := desktop.DefaultFinder()
	headless.SessionsDir, headless.SocketDir = t.TempDir(), t.TempDir()
	defer desktop.Override(headless.Find)()
	s := sitetest.Start(t, func(o *site.Options) { o.AllowRootShell = true }) // CI may run as root
	id, stop := startJumpClient(t, s, installerBinary(t, s, "1h"), t.TempDir())
	defer stop()
	var jump struct {
		SessionID string `json:"session_id"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &jump); st != 201 {
		t.Fatalf("jump: %d", st)
	}
	sess := "/sessions/" + jump.SessionID

	// The shell: typed into, its output read back.
	var grant struct{ Stream, Token string }
	if st := s.Do(s.Token, "POST", "/api/v1"+sess+"/shell", map[string]any{"cols": 100, "rows": 30}, &grant); st != 201 {
		t.Fatalf("shell: %d", st)
	}
	u := strings.Replace(s.URL, "https", "wss", 1) + "/api/v1" + sess + "/stream/" + grant.Stream + "?token=" + grant.Token
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}},
		HTTPHeader: http.Header{"Authorization": {"Bearer " + s.Token}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	conn.Write(ctx, websocket.MessageText, []byte(`{"resize":{"cols":120,"rows":40}}`))
	conn.Write(ctx, websocket.MessageBinary, []byte("echo tether-$((6*7)) $(stty size)\n"))
	var out bytes.Buffer
	for !strings.Contains(out.String(), "tether-42 40 120") {
		typ, b, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("shell output so far %q: %v", out.String(), err)
		}
		if typ == websocket.MessageBinary {
			out.Write(b)
		}
	}
	conn.Write(ctx, websocket.MessageBinary, []byte("exit 3\n"))
	for {
		typ, b, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("no exit status: %v", err)
		}
		if typ == websocket.MessageText && string(b) == `{"exit":3}` {
			break
		}
	}

	// System information.
	var info struct{ Hostname string }
	if st := s.Do(s.Token, "GET", "/api/v1"+sess+"/sysinfo", nil, &info); st != 200 || info.Hostname == "" {
		t.Fatalf("sysinfo: %d %+v", st, info)
	}
	// Files by absolute path (jump clients' default policy).
	dir := t.TempDir()
	res, b := req(t, s, "PUT", sess+"/files?path="+filepath.Join(dir, "in.txt"), bytes.NewReader([]byte("hello")), nil)
	if res.StatusCode != 201 {
		t.Fatalf("upload by absolute path: %d %s", res.StatusCode, b)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "in.txt")); string(got) != "hello" {
		t.Fatalf("written: %q", got)
	}
	res, b = req(t, s, "GET", sess+"/files?path="+dir, nil, nil)
	if res.StatusCode != 200 || !strings.Contains(string(b), `"name":"in.txt"`) {
		t.Fatalf("listing: %d %s", res.StatusCode, b)
	}
	res, b = req(t, s, "GET", sess+"/files?path="+dir+"/../etc", nil, nil)
	wantErr(t, res, b, 403, wire.PathNotAllowed)
	// Chat: nobody is logged in.
	res, b = req(t, s, "POST", sess+"/chat", strings.NewReader(`{"text":"hi"}`), map[string]string{"Content-Type": "application/json"})
	wantErr(t, res, b, 409, wire.ChatUnavailable)
	// Audit: who opened and closed the shell.
	var audit struct{ Items []store_entry }
	sitetest.WaitFor(t, "shell audited", func() bool {
		s.Do(s.Token, "GET", "/api/v1/audit?session="+jump.SessionID, nil, &audit)
		n := 0
		for _, e := range audit.Items {
			if e.Event == "shell_opened" || e.Event == "shell_closed" {
				n++
			}
		}
		return n == 2
	})
}

// TestConsentPromptWithoutUser: under --consent-jump prompt a jump client
// with nobody logged in takes the policy's default answer: deny closes the
// view with 1008 (audited view_denied), and the viewer was told somebody
// is asked; allow lets it through.
func TestConsentPromptWithoutUser(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	headless := desktop.DefaultFinder()
	headless.SessionsDir, headless.SocketDir = t.TempDir(), t.TempDir()
	defer desktop.Override(headless.Find)()
	for _, allow := range []bool{false, true} {
		s := sitetest.Start(t, func(o *site.Options) { o.ConsentJump, o.ConsentDefault = "prompt", allow })
		id, stop := startJumpClient(t, s, installerBinary(t, s, "1h"), t.TempDir())
		var jump struct {
			SessionID string `json:"session_id"`
		}
		if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &jump); st != 201 {
			t.Fatalf("jump: %d", st)
		}
		var grant struct {
			Stream, Token, Consent string
			Asks                   bool
		}
		if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+jump.SessionID+"/view", map[string]any{}, &grant); st != 201 || !grant.Asks || grant.Consent != "prompt" {
			t.Fatalf("view: %d %+v", st, grant)
		}
		u := strings.Replace(s.URL, "https", "wss", 1) + "/api/v1/sessions/" + jump.SessionID + "/stream/" + grant.Stream + "?token=" + grant.Token
		ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
		conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
			HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}},
			HTTPHeader: http.Header{"Authorization": {"Bearer " + s.Token}},
		})
		if err != nil {
			t.Fatal(err)
		}
		conn.SetReadLimit(64 << 20)
		_, _, err = conn.Read(ctx)
		conn.CloseNow()
		cancel()
		if allow && err != nil {
			t.Fatalf("allowed by default, but: %v", err)
		}
		if allow && os.Geteuid() == 0 {
			// A jump client running as root gets no root shell unless the
			// site allows it (it does not here).
			var sg struct{ Stream, Token string }
			if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+jump.SessionID+"/shell", map[string]any{}, &sg); st != 201 {
				t.Fatalf("shell: %d", st)
			}
			u := strings.Replace(s.URL, "https", "wss", 1) + "/api/v1/sessions/" + jump.SessionID + "/stream/" + sg.Stream + "?token=" + sg.Token
			ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
			c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
				HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}},
				HTTPHeader: http.Header{"Authorization": {"Bearer " + s.Token}},
			})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = c.Read(ctx)
			cancel()
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation || ce.Reason != string(wire.ShellNotAllowed) {
				t.Fatalf("a root shell without --allow-root-shell: %v", err)
			}
		}
		if !allow {
			if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
				t.Fatalf("denied by default, but: %v", err)
			}
			var audit struct{ Items []store_entry }
			sitetest.WaitFor(t, "view_denied", func() bool {
				s.Do(s.Token, "GET", "/api/v1/audit?session="+jump.SessionID, nil, &audit)
				for _, e := range audit.Items {
					if e.Event == "view_denied" {
						return true
					}
				}
				return false
			})
		}
		stop()
	}
}

// TestJumpChatWindow: a jump client with a desktop shows the technician's
// message to the logged-in user in the customer window, opened on that
// desktop (here an Xvfb found through $DISPLAY).
func TestJumpChatWindow(t *testing.T) {
	xdotool := xvfbtest.RequireBinary(t, "xdotool")
	x := xvfbtest.Start(t, 1024, 768)
	t.Setenv("DISPLAY", x.Display)
	s := sitetest.Start(t, nil)
	id, stop := startJumpClient(t, s, installerBinary(t, s, "1h"), t.TempDir())
	defer stop()
	var jump struct {
		SessionID string `json:"session_id"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &jump); st != 201 {
		t.Fatalf("jump: %d", st)
	}
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+jump.SessionID+"/chat", map[string]any{"text": "Hello, user"}, nil); st != 201 {
		t.Fatalf("chat: %d", st)
	}
	sitetest.WaitFor(t, "the customer window on the user's desktop", func() bool {
		cmd := exec.Command(xdotool, "search", "--name", "^Tether")
		cmd.Env = append(os.Environ(), "DISPLAY="+x.Display)
		out, _ := cmd.Output()
		return strings.TrimSpace(string(out)) != ""
	})
}
