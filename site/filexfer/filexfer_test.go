package filexfer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/wire"
)

// pair connects a site-side conn to a fake agent run by agent.
func pair(t *testing.T, agent func(ctx context.Context, c *websocket.Conn)) *websocket.Conn {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		agent(r.Context(), c)
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func send(ctx context.Context, c *websocket.Conn, v any) {
	b, _ := json.Marshal(v)
	c.Write(ctx, websocket.MessageText, b)
}

func TestUploadChunksAndLimit(t *testing.T) {
	got := make(chan []int, 1)
	c := pair(t, func(ctx context.Context, a *websocket.Conn) {
		a.SetReadLimit(wire.FileChunk + 1024)
		send(ctx, a, wire.FileReply{Offset: 10})
		var sizes []int
		for {
			typ, b, err := a.Read(ctx)
			if err != nil {
				got <- append(sizes, -int(websocket.CloseStatus(err)))
				return
			}
			if typ == websocket.MessageText {
				got <- sizes
				send(ctx, a, wire.FileReply{Done: true, Size: 99})
				a.Read(ctx)
				return
			}
			sizes = append(sizes, len(b))
		}
	})
	body := bytes.NewReader(make([]byte, wire.FileChunk+5))
	r, err := Upload(t.Context(), c, body, 0)
	if err != nil || !r.Done {
		t.Fatalf("upload: %+v %v", r, err)
	}
	if s := <-got; len(s) != 2 || s[0] != wire.FileChunk || s[1] != 5 {
		t.Fatalf("chunks %v", s)
	}

	// Past the limit (the agent's offset counts): file_too_large, and the
	// agent hears it as the close reason.
	c = pair(t, func(ctx context.Context, a *websocket.Conn) {
		a.SetReadLimit(wire.FileChunk + 1024)
		send(ctx, a, wire.FileReply{Offset: 100})
		for {
			if _, _, err := a.Read(ctx); err != nil {
				var ce websocket.CloseError
				if !(errorsAs(err, &ce) && ce.Reason == string(wire.FileTooLarge)) {
					got <- []int{-1}
				}
				got <- nil
				return
			}
		}
	})
	_, err = Upload(t.Context(), c, bytes.NewReader(make([]byte, 200)), 250)
	if wire.CodeOf(err) != wire.FileTooLarge {
		t.Fatalf("over the limit: %v", err)
	}
	if s := <-got; s != nil {
		t.Fatal("the agent was not told why")
	}
}

func TestRefusalsAndShortDownloads(t *testing.T) {
	c := pair(t, func(ctx context.Context, a *websocket.Conn) {
		a.Close(websocket.StatusPolicyViolation, string(wire.TransferDenied))
	})
	if _, err := ReadReply(t.Context(), c); wire.CodeOf(err) != wire.TransferDenied || err.Error() != wire.TransferDenied.Message() {
		t.Fatalf("refusal: %v", err)
	}
	c = pair(t, func(ctx context.Context, a *websocket.Conn) {
		send(ctx, a, wire.FileReply{Error: &wire.Error{Code: wire.PathNotAllowed, Message: "agent detail"}})
	})
	if _, err := ReadReply(t.Context(), c); wire.CodeOf(err) != wire.PathNotAllowed || err.Error() != wire.PathNotAllowed.Message() {
		t.Fatalf("error reply: %v", err)
	}
	c = pair(t, func(ctx context.Context, a *websocket.Conn) {
		a.Write(ctx, websocket.MessageBinary, []byte("abc"))
		send(ctx, a, wire.FileReply{Done: true, SHA256: "x"})
		a.Read(ctx)
	})
	var out bytes.Buffer
	if _, err := Download(t.Context(), c, &out, 5); err == nil {
		t.Fatal("a short download passed")
	}
	c = pair(t, func(ctx context.Context, a *websocket.Conn) {
		a.Write(ctx, websocket.MessageBinary, []byte("abcdef"))
		a.Read(ctx)
	})
	if _, err := Download(t.Context(), c, &out, 5); err == nil {
		t.Fatal("a long download passed")
	}
}

func errorsAs(err error, target *websocket.CloseError) bool { return errors.As(err, target) }
