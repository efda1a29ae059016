package site_test

import (
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/wire"
)

// TestBeatingAgentServedWithoutReader: an agent that sends beats is served
// by the site's idle path (site/idle.go). Its beats are answered, messages
// that arrive together (several TLS records in one read) are all handled,
// a jump starts while it beats, the site drops it once it falls silent for
// longer than the heartbeat allows, and a removal reaches it.
func TestBeatingAgentServedWithoutReader(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.Heartbeat = 300 * time.Millisecond })
	c := newRawJumpClient(t, s, false)
	c.beats = true
	c.connect("dev", "amd64")
	send := func(m wire.Msg) {
		t.Helper()
		b, _ := wire.Encode(m)
		if err := c.conn.Write(t.Context(), websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	// Back to back: the second and third arrive while the first is read,
	// so the site must find them in its buffers, not the socket.
	send(wire.HostUpdate{Host: wire.HostInfo{Hostname: "box", OS: "linux", Arch: "amd64", ConsoleUser: "ann"}})
	send(wire.HostUpdate{Host: wire.HostInfo{Hostname: "box", OS: "linux", Arch: "amd64", ConsoleUser: "bob"}})
	send(wire.Beat{})
	waitBeat := func() {
		t.Helper()
		timeout := time.After(5 * time.Second)
		for {
			select {
			case m := <-c.msgs:
				if _, ok := m.(*wire.Beat); ok {
					return
				}
			case <-timeout:
				t.Fatal("beat not answered")
			}
		}
	}
	waitBeat()
	var jc struct {
		ConsoleUser string `json:"console_user"`
		Status      string
	}
	s.Do(s.Token, "GET", "/api/v1/jump-clients/"+c.id, nil, &jc)
	if jc.ConsoleUser != "bob" || jc.Status != "online" {
		t.Fatalf("after two host updates and a beat: %+v", jc)
	}

	// A jump reaches it while it beats.
	stop := make(chan struct{})
	go func() {
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				b, _ := wire.Encode(wire.Beat{})
				c.conn.Write(t.Context(), websocket.MessageText, b)
			}
		}
	}()
	if st, code := jump(s, c.id); st != 201 {
		t.Fatalf("jump: %d %s", st, code)
	}
	time.Sleep(time.Second) // beats keep it connected past the timeout
	s.Do(s.Token, "GET", "/api/v1/jump-clients/"+c.id, nil, &jc)
	if jc.Status != "online" {
		t.Fatalf("beating client is %s", jc.Status)
	}

	// Silent: dropped after heartbeat + grace (600 ms here).
	close(stop)
	start := time.Now()
	for range c.msgs { // closed when the site hangs up
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("silent client dropped after %v", d)
	}
	sitetest.WaitFor(t, "offline", func() bool {
		s.Do(s.Token, "GET", "/api/v1/jump-clients/"+c.id, nil, &jc)
		return jc.Status == "offline"
	})

	// Back, then removed in the console: the site's message reaches the
	// idle connection and the client is gone from the hub at once.
	c.connect("dev", "amd64")
	if st := s.Do(s.Token, "DELETE", "/api/v1/jump-clients/"+c.id, nil, nil); st != 200 {
		t.Fatalf("remove: %d", st)
	}
	var end *wire.End
	for m := range c.msgs {
		if e, ok := m.(*wire.End); ok {
			end = e
		}
	}
	if end == nil || end.Code != wire.JCNotFound || !end.Uninstall {
		t.Fatalf("removed client was told %+v", end)
	}
	if st, code := jump(s, c.id); code != string(wire.JCNotFound) {
		t.Fatalf("jump to the removed client: %d %s", st, code)
	}
}
