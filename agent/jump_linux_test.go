package agent_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/agent/desktop"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/xvfbtest"
	"github.com/tetherhq/tether/stream"
)

// TestJumpStreamsScreen: a technician jumps to an online jump client and
// gets its screen through the same view relay as ad hoc sessions.
func TestJumpStreamsScreen(t *testing.T) {
	x := xvfbtest.Start(t, 1280, 720)
	t.Setenv("DISPLAY", x.Display)
	s := sitetest.Start(t, nil)
	exe := installerBinary(t, s, "1h")
	var l struct{ Items []struct{ ID, Status string } }
	list := func() { s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l) }

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: t.TempDir()}) }()
	sitetest.WaitFor(t, "online", func() bool { list(); return len(l.Items) == 1 && l.Items[0].Status == "online" })
	id := l.Items[0].ID

	jump, conn := openJumpStream(t, s, id)
	defer conn.CloseNow()
	rctx, rcancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer rcancel()
	var screen *stream.Screen
	for screen == nil {
		_, b, err := conn.Read(rctx)
		if err != nil {
			t.Fatalf("read stream: %v", err)
		}
		if m, err := stream.DecodeAgentMessage(b); err == nil {
			screen, _ = m.(*stream.Screen)
		}
	}
	if screen.Width != 1280 || screen.Height != 720 {
		t.Fatalf("screen %dx%d", screen.Width, screen.Height)
	}
	if g := s.Get(jump.SessionID); g.Status != "connected" {
		t.Fatalf("session while viewing: %s", g.Status)
	}
	conn.Close(websocket.StatusNormalClosure, "")

	cancel()
	<-done
	sitetest.WaitFor(t, "offline", func() bool { list(); return l.Items[0].Status == "offline" })
	var eb sitetest.ErrorBody
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &eb); st != 409 || eb.Error.Code != "jc_offline" {
		t.Fatalf("jump to offline client: %d %+v", st, eb)
	}
}

// TestJumpFindsTheSessionWithoutDisplay: a jump client started without
// $DISPLAY (a service or rc.local) on a machine with a graphical session
// finds it — here through the X server socket and the session's programs —
// reports a display and streams that screen.
func TestJumpFindsTheSessionWithoutDisplay(t *testing.T) {
	x := xvfbtest.Start(t, 800, 600)
	t.Setenv("DISPLAY", "")
	only := t.TempDir() // this machine's X sockets, narrowed to our server
	os.WriteFile(filepath.Join(only, "X"+strings.TrimPrefix(x.Display, ":")), nil, 0o644)
	f := desktop.DefaultFinder()
	f.SessionsDir, f.SocketDir = t.TempDir(), only
	defer desktop.Override(f.Find)()
	s := sitetest.Start(t, nil)
	id, stop := startJumpClient(t, s, installerBinary(t, s, "1h"), t.TempDir())
	defer stop()
	var d struct {
		HasDisplay bool `json:"has_display"`
	}
	if s.Do(s.Token, "GET", "/api/v1/jump-clients/"+id, nil, &d); !d.HasDisplay {
		t.Fatal("the jump client did not find the graphical session")
	}
	_, conn := openJumpStream(t, s, id)
	defer conn.CloseNow()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("no screen: %v", err)
		}
		if m, err := stream.DecodeAgentMessage(b); err == nil {
			if sc, ok := m.(*stream.Screen); ok {
				if sc.Width != 800 || sc.Height != 600 {
					t.Fatalf("screen %dx%d", sc.Width, sc.Height)
				}
				return
			}
		}
	}
}

// openJumpStream jumps to a jump client and opens the viewer's side of a
// view, as the console does.
func openJumpStream(t *testing.T, s *sitetest.Site, id string) (jump struct {
	SessionID string `json:"session_id"`
}, conn *websocket.Conn) {
	t.Helper()
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+id+"/jump", nil, &jump); st != 201 || jump.SessionID == "" {
		t.Fatalf("jump: %d %+v", st, jump)
	}
	var grant struct{ Stream, Token string }
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+jump.SessionID+"/view", map[string]any{}, &grant); st != 201 {
		t.Fatalf("view: %d", st)
	}
	u := strings.Replace(s.URL, "https", "wss", 1) + "/api/v1/sessions/" + jump.SessionID + "/stream/" + grant.Stream + "?token=" + grant.Token
	conn, _, err := websocket.Dial(t.Context(), u, &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}},
		HTTPHeader: http.Header{"Authorization": {"Bearer " + s.Token}},
	})
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(64 << 20)
	return jump, conn
}

// TestHeadlessJumpSaysNoDisplay: a jump client without a display still
// enrols, reports statistics and can be jumped to; the viewer is told
// there is no display (the viewer then offers the shell, TOOLKIT.md).
func TestHeadlessJumpSaysNoDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	// A headless host: no logind sessions, no X sockets (this machine's
	// Xvfb servers of other tests are not there).
	defer desktop.Override(desktop.Nowhere(t.TempDir()).Find)()
	s := sitetest.Start(t, nil)
	id, stop := startJumpClient(t, s, installerBinary(t, s, "1h"), t.TempDir())
	defer stop()
	var d struct {
		HasDisplay bool   `json:"has_display"`
		OS         string `json:"os"`
		Hostname   string `json:"hostname"`
	}
	if s.Do(s.Token, "GET", "/api/v1/jump-clients/"+id, nil, &d); d.HasDisplay || d.OS == "" || d.Hostname == "" {
		t.Fatalf("headless statistics: %+v", d)
	}
	_, conn := openJumpStream(t, s, id)
	defer conn.CloseNow()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("no 'no display' state before: %v", err)
		}
		if m, err := stream.DecodeAgentMessage(b); err == nil {
			if st, ok := m.(stream.State); ok && st.NoDisplay {
				return
			}
		}
	}
}

// TestMalformedViewerMessageClosesStream: VIEW-PROTOCOL decoders are strict
// and the agent closes the stream on anything malformed (1002), on a text
// message (1003), and the site on a message over the protocol's 2048-byte
// limit (1009).
func TestMalformedViewerMessageClosesStream(t *testing.T) {
	x := xvfbtest.Start(t, 640, 480)
	t.Setenv("DISPLAY", x.Display)
	s := sitetest.Start(t, nil)
	id, stop := startJumpClient(t, s, installerBinary(t, s, "1h"), t.TempDir())
	defer stop()
	for _, tc := range []struct {
		name string
		typ  websocket.MessageType
		msg  []byte
		want websocket.StatusCode
	}{
		{"truncated mouse move", websocket.MessageBinary, []byte{0x11, 0x01}, websocket.StatusProtocolError},
		{"unknown type", websocket.MessageBinary, []byte{0x1f}, websocket.StatusProtocolError},
		{"text", websocket.MessageText, []byte("hello"), websocket.StatusUnsupportedData},
		{"oversized", websocket.MessageBinary, append([]byte{0x15}, make([]byte, 3000)...), websocket.StatusMessageTooBig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jump, conn := openJumpStream(t, s, id)
			defer conn.CloseNow()
			defer s.Do(s.Token, "POST", "/api/v1/sessions/"+jump.SessionID+"/close", nil, nil)
			ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
			defer cancel()
			if _, _, err := conn.Read(ctx); err != nil { // the first message: the view runs
				t.Fatal(err)
			}
			if err := conn.Write(ctx, tc.typ, tc.msg); err != nil {
				t.Fatal(err)
			}
			for {
				_, _, err := conn.Read(ctx)
				if err == nil {
					continue
				}
				if got := websocket.CloseStatus(err); got != tc.want {
					t.Fatalf("stream ended with %v (%d), want close %d", err, got, tc.want)
				}
				return
			}
		})
	}
}
