package agent

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// siteStub is a WebSocket peer that reads (answering pings, as
// coder/websocket does) but never sends a message.
func siteStub(t *testing.T) (*ctrl, *atomic.Int64) {
	t.Helper()
	var pings atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
			OnPingReceived: func(context.Context, []byte) bool { pings.Add(1); return true },
		})
		if err != nil {
			return
		}
		defer conn.CloseNow()
		for {
			if _, _, err := conn.Read(r.Context()); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	conn, _, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newCtrl(conn)
	t.Cleanup(c.close)
	return c, &pings
}

// TestKeepAliveDropsSilentSite: beats that get no answer close the link.
func TestKeepAliveDropsSilentSite(t *testing.T) {
	c, _ := siteStub(t)
	go c.keepAlive(t.Context(), 50*time.Millisecond, true)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("a site that never answers beats was not dropped")
	}
}

// TestKeepAlivePingsOldSite: a site that does not answer beats
// (Welcome.Beats false) is pinged, and its pongs keep the link.
func TestKeepAlivePingsOldSite(t *testing.T) {
	c, pings := siteStub(t)
	go c.keepAlive(t.Context(), 50*time.Millisecond, false)
	select {
	case <-c.done:
		t.Fatalf("link to a site that answers pings dropped: %v", c.err)
	case <-time.After(500 * time.Millisecond):
	}
	if pings.Load() < 3 {
		t.Fatalf("%d pings in 500 ms at a 50 ms interval", pings.Load())
	}
}
