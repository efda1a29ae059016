// Package filexfer is the site's side of a files stream (docs/TOOLKIT.md):
// it turns an HTTP upload body into the stream's binary messages and the
// agent's messages into an HTTP download, one fixed-size chunk at a time.
// WebSocket writes block until the peer's TCP window takes them, so a slow
// agent slows the HTTP client down and the other way round: nothing here
// ever holds more than one chunk of a file.
package filexfer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/wire"
)

// ReadLimit bounds one message from the agent: a chunk, or a listing.
const ReadLimit = 16 << 20

// Refusal turns the way an agent's stream ended into an API error: a
// policy-violation close carries a wire code as its reason (the customer
// denied, the path is not allowed, …).
func Refusal(err error) error {
	var ce websocket.CloseError
	if errors.As(err, &ce) && ce.Code == websocket.StatusPolicyViolation {
		if c := wire.Code(ce.Reason); c.Known() {
			return wire.Err(c)
		}
		return &wire.Error{Code: wire.AccessDenied, Message: ce.Reason}
	}
	return err
}

// ReadReply reads the agent's next JSON message; an error reply or a
// refusal comes back as a *wire.Error.
func ReadReply(ctx context.Context, conn *websocket.Conn) (*wire.FileReply, error) {
	typ, b, err := conn.Read(ctx)
	if err != nil {
		return nil, Refusal(err)
	}
	if typ != websocket.MessageText {
		return nil, errors.New("files stream: expected the agent's reply, got bytes")
	}
	var r wire.FileReply
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("files stream: agent reply: %w", err)
	}
	if r.Error != nil {
		return nil, replyError(r.Error)
	}
	return &r, nil
}

// replyError keeps the product texts of known codes.
func replyError(e *wire.Error) *wire.Error {
	if e.Code.Known() && !wire.Generic(e.Code) {
		return &wire.Error{Code: e.Code, Message: e.Code.Message(), Detail: e.Message}
	}
	if !e.Code.Known() {
		return &wire.Error{Code: wire.Internal, Message: e.Message}
	}
	return e
}

// Upload sends body to the agent after its first reply (the offset it
// continues from) and returns its last one (the committed file). At most
// limit bytes go through in all (offset included; ≤ 0: no limit): past it
// the agent is told to drop the upload and the error is file_too_large.
// A body that fails (the client went away) closes the stream so the agent
// keeps its part file for a resume.
func Upload(ctx context.Context, conn *websocket.Conn, body io.Reader, limit int64) (*wire.FileReply, error) {
	conn.SetReadLimit(ReadLimit)
	first, err := ReadReply(ctx, conn)
	if err != nil {
		return nil, err
	}
	sent := first.Offset
	buf := make([]byte, wire.FileChunk)
	for {
		n, rerr := io.ReadFull(body, buf)
		if n > 0 {
			sent += int64(n)
			if limit > 0 && sent > limit {
				conn.Close(websocket.StatusPolicyViolation, string(wire.FileTooLarge))
				return nil, wire.Err(wire.FileTooLarge)
			}
			if err := conn.Write(ctx, websocket.MessageBinary, buf[:n]); err != nil {
				return nil, Refusal(err)
			}
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			conn.Close(websocket.StatusGoingAway, "upload interrupted")
			return nil, fmt.Errorf("upload body: %w", rerr)
		}
	}
	end, _ := json.Marshal(wire.FileEnd{End: true})
	if err := conn.Write(ctx, websocket.MessageText, end); err != nil {
		return nil, Refusal(err)
	}
	return ReadReply(ctx, conn)
}

// Download copies a file's bytes from the agent to w after the first reply
// (which the caller has read and answered with headers) and returns the
// agent's last reply, with the whole file's SHA-256. A short or cut
// stream is an error: the caller's client sees a body shorter than
// announced.
func Download(ctx context.Context, conn *websocket.Conn, w io.Writer, want int64) (*wire.FileReply, error) {
	var got int64
	for {
		typ, b, err := conn.Read(ctx)
		if err != nil {
			return nil, Refusal(err)
		}
		if typ == websocket.MessageText {
			var r wire.FileReply
			if err := json.Unmarshal(b, &r); err != nil {
				return nil, fmt.Errorf("files stream: agent reply: %w", err)
			}
			if r.Error != nil {
				return nil, replyError(r.Error)
			}
			if !r.Done || got != want {
				return nil, fmt.Errorf("files stream: ended after %d of %d bytes", got, want)
			}
			return &r, nil
		}
		got += int64(len(b))
		if got > want {
			return nil, fmt.Errorf("files stream: more than the %d bytes announced", want)
		}
		if _, err := w.Write(b); err != nil {
			conn.Close(websocket.StatusGoingAway, "download interrupted")
			return nil, fmt.Errorf("download: %w", err)
		}
	}
}
