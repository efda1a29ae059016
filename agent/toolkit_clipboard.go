package agent

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent/desktop"
	"github.com/tetherhq/tether/clipboard"
	"github.com/tetherhq/tether/wire"
)

// serveClipboard keeps the technician's clipboard and this computer's in
// step while a view with control runs (the clipboard is part of remote
// control, D1): text the technician copies is put on the clipboard here,
// and text copied here goes to the technician. A paused view passes
// nothing either way.
func serveClipboard(ctx context.Context, h streamHost, m *wire.Open, log *slog.Logger) {
	if apartFromDesktop() {
		// A Windows service's clipboard is session 0's, which no user
		// sees; its view runs in a helper in the user's session, which
		// does not serve the clipboard (yet).
		log.Info("clipboard unavailable: a service runs apart from the user's desktop")
		refuseStream(ctx, h, m, wire.Unsupported, log)
		return
	}
	cc := h.viewControls()
	if !cc.controlling() {
		refuseStream(ctx, h, m, wire.AccessDenied, log)
		return
	}
	cb, err := sharedClipboard()
	if err != nil {
		log.Info("clipboard unavailable", "err", err)
		refuseStream(ctx, h, m, wire.Unsupported, log)
		return
	}
	conn, err := h.dialStream(ctx, m.Stream, m.Token)
	if err != nil {
		log.Warn("clipboard: connect", "err", err)
		return
	}
	defer conn.CloseNow()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if writeJSONMsg(ctx, conn, wire.ClipboardText{Ready: true}) != nil {
		return
	}
	conn.SetReadLimit(wire.MaxClipboard + 1024)
	go func() {
		defer cancel()
		cb.Watch(ctx, func(text string) {
			if cc.controlling() && len(text) <= wire.MaxClipboard {
				writeJSONMsg(ctx, conn, wire.ClipboardText{Text: text})
			}
		})
	}()
	for {
		typ, b, err := conn.Read(ctx)
		if err != nil {
			return
		}
		var t wire.ClipboardText
		if typ != websocket.MessageText || json.Unmarshal(b, &t) != nil {
			conn.Close(websocket.StatusUnsupportedData, "clipboard: JSON text messages only")
			return
		}
		if !cc.controlling() || !cc.viewing() {
			if !cc.viewing() {
				conn.Close(websocket.StatusNormalClosure, "the view ended")
				return
			}
			continue
		}
		if err := cb.Set(t.Text); err != nil {
			log.Warn("clipboard: set", "err", err)
		}
	}
}

// The agent keeps one clipboard connection per desktop for as long as it
// runs: on X11 the text the technician copied lives in the program that
// owns the selection, so closing the connection with the stream would
// empty the customer's clipboard the moment the view ends.
var clip struct {
	mu      sync.Mutex
	c       clipboard.Clipboard
	display string
}

func sharedClipboard() (clipboard.Clipboard, error) {
	sess, err := desktop.Find()
	if err != nil {
		return nil, err
	}
	clip.mu.Lock()
	defer clip.mu.Unlock()
	closed, _ := clip.c.(interface{ Closed() bool })
	if clip.c != nil && clip.display == sess.Display && (closed == nil || !closed.Closed()) {
		return clip.c, nil
	}
	c, err := clipboard.Open(clipboard.Options{Display: sess.Display, XAuthority: sess.XAuthority})
	if err != nil {
		return nil, err
	}
	if clip.c != nil { // the user's desktop changed (logoff, logon)
		clip.c.Close()
	}
	clip.c, clip.display = c, sess.Display
	return c, nil
}
