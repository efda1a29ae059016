package agent

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent/shell"
	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/wire"
)

// serveShell runs a command shell for the technician's browser terminal
// (D4): jump clients only, as the agent's own user, never as root unless
// the site allows root shells. The shell ends with the stream (agent/shell
// kills everything it started).
func serveShell(ctx context.Context, h streamHost, m *wire.Open, p *wire.ShellParams, log *slog.Logger) {
	if !h.jump() {
		refuseStream(ctx, h, m, wire.ShellNotAllowed, log)
		return
	}
	if m.Consent != nil && m.Consent.Mode == wire.ConsentPrompt && !h.allow(ctx, m.Consent, h.question(ui.KeyAskShell, m.Consent.Technician)) {
		refuseStream(ctx, h, m, wire.AccessDenied, log)
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sh, err := shell.Start(ctx, shell.Options{Cols: p.Cols, Rows: p.Rows, AllowRoot: p.AllowRoot})
	if err != nil {
		code := wire.Internal
		if errors.Is(err, shell.ErrRoot) {
			code = wire.ShellNotAllowed
		}
		log.Warn("shell: start", "err", err)
		refuseStream(ctx, h, m, code, log)
		return
	}
	defer sh.Close()
	conn, err := h.dialStream(ctx, m.Stream, m.Token)
	if err != nil {
		log.Warn("shell: connect", "err", err)
		return
	}
	defer conn.CloseNow()
	conn.SetReadLimit(64 << 10)
	if err := writeJSONMsg(ctx, conn, wire.ShellStatus{Ready: true}); err != nil {
		return
	}
	log.Info("shell: started", "pid", sh.Pid())
	go func() { // technician → terminal
		defer cancel()
		for {
			typ, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			if typ == websocket.MessageBinary {
				if _, err := sh.Write(b); err != nil {
					return
				}
				continue
			}
			var c wire.ShellControl
			if json.Unmarshal(b, &c) == nil && c.Resize != nil && c.Resize.Cols > 0 && c.Resize.Rows > 0 {
				sh.Resize(c.Resize.Cols, c.Resize.Rows)
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for { // terminal → technician
		n, err := sh.Read(buf)
		if n > 0 {
			if werr := conn.Write(ctx, websocket.MessageBinary, buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			break
		}
	}
	status := 0
	var ee *shell.ExitError
	if err := sh.Wait(); errors.As(err, &ee) {
		status = ee.Code
	}
	log.Info("shell: ended", "status", status)
	writeJSONMsg(ctx, conn, wire.ShellStatus{Exit: &status})
	conn.Close(websocket.StatusNormalClosure, "shell ended")
}
