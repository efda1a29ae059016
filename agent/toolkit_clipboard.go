package agent

import (
	"context"
	"encoding/json"
	"log/slog"

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
	cc := h.viewControls()
	if !cc.controlling() {
		refuseStream(ctx, h, m, wire.AccessDenied, log)
		return
	}
	sess, err := desktop.Find()
	var clip clipboard.Clipboard
	if err == nil {
		clip, err = clipboard.Open(clipboard.Options{Display: sess.Display, XAuthority: sess.XAuthority})
	}
	if err != nil {
		log.Info("clipboard unavailable", "err", err)
		refuseStream(ctx, h, m, wire.Unsupported, log)
		return
	}
	defer clip.Close()
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
		clip.Watch(ctx, func(text string) {
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
		if err := clip.Set(t.Text); err != nil {
			log.Warn("clipboard: set", "err", err)
		}
	}
}
