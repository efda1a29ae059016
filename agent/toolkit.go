package agent

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent/sysinfo"
	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/wire"
)

// The session toolkit (D3, D4, G; docs/TOOLKIT.md): the site asks for a
// data stream with wire.Open, the agent decides (confinement, the
// customer's answer, the site's policy), dials the stream like a view and
// serves it. A refusal dials too and closes with StatusPolicyViolation and
// the wire code as the reason, so the site answers at once instead of
// timing out.

// streamHost is what the support app and the jump client lend the
// toolkit.
type streamHost interface {
	dialStream(ctx context.Context, stream string, token []byte) (*websocket.Conn, error)
	// allow asks the person at the computer under the consent policy c
	// (support apps always ask; jump clients only under "prompt").
	allow(ctx context.Context, c *wire.Consent, q string) bool
	question(key ui.Key, args ...any) string
	jump() bool
	logger() *slog.Logger
	viewControls() *customerControls
}

// serveOpen serves one Open request; it returns when the stream ends.
func serveOpen(ctx context.Context, h streamHost, m *wire.Open) {
	log := h.logger().With("stream", m.Stream, "kind", m.Kind)
	switch m.Kind {
	case wire.StreamSysInfo:
		serveSysInfo(ctx, h, m, log)
	case wire.StreamFiles:
		var p wire.FileParams
		if err := json.Unmarshal(m.Params, &p); err != nil {
			refuseStream(ctx, h, m, wire.BadRequest, log)
			return
		}
		serveFiles(ctx, h, m, &p, log)
	case wire.StreamShell:
		var p wire.ShellParams
		if err := json.Unmarshal(m.Params, &p); err != nil {
			refuseStream(ctx, h, m, wire.BadRequest, log)
			return
		}
		serveShell(ctx, h, m, &p, log)
	case wire.StreamClipboard:
		serveClipboard(ctx, h, m, log)
	default:
		refuseStream(ctx, h, m, wire.Unsupported, log)
	}
}

// refuseStream dials the stream only to close it with code as the reason.
func refuseStream(ctx context.Context, h streamHost, m *wire.Open, code wire.Code, log *slog.Logger) {
	conn, err := h.dialStream(ctx, m.Stream, m.Token)
	if err != nil {
		log.Warn("toolkit: connect", "err", err)
		return
	}
	log.Info("toolkit: refused", "code", code)
	conn.Close(websocket.StatusPolicyViolation, string(code))
}

func serveSysInfo(ctx context.Context, h streamHost, m *wire.Open, log *slog.Logger) {
	info, err := sysinfo.Collect(ctx)
	if err != nil {
		return
	}
	b, err := json.Marshal(info)
	if err != nil {
		log.Warn("sysinfo", "err", err)
		return
	}
	conn, err := h.dialStream(ctx, m.Stream, m.Token)
	if err != nil {
		log.Warn("sysinfo: connect", "err", err)
		return
	}
	defer conn.CloseNow()
	if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
		return
	}
	conn.Close(websocket.StatusNormalClosure, "")
}

// writeJSONMsg sends v as one text message.
func writeJSONMsg(ctx context.Context, conn *websocket.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return conn.Write(ctx, websocket.MessageText, b)
}

// streamURLPath is where the agent dials a stream.
func streamURLPath(stream string, token []byte) string {
	return "/agent/v1/stream/" + url.PathEscape(stream) + "?token=" + url.QueryEscape(string(token))
}

// The support app's side of streamHost.

func (s *Support) dialStream(ctx context.Context, stream string, token []byte) (*websocket.Conn, error) {
	return Dial(ctx, s.cfg.SiteURL, s.cfg.CertPin, streamURLPath(stream, token))
}

// allow: the customer of a support app is asked for everything the
// toolkit does to their files (D2, SPEC G).
func (s *Support) allow(ctx context.Context, _ *wire.Consent, q string) bool {
	if s.o.Silent {
		return false
	}
	return s.confirm(ctx, q)
}

func (s *Support) jump() bool                         { return false }
func (s *Support) logger() *slog.Logger               { return s.log }
func (s *Support) viewControls() *customerControls    { return &s.controls }
func (j *jumpClient) viewControls() *customerControls { return &j.controls }
func (j *jumpClient) jump() bool                      { return true }
func (j *jumpClient) logger() *slog.Logger            { return j.log }

func (j *jumpClient) dialStream(ctx context.Context, stream string, token []byte) (*websocket.Conn, error) {
	return Dial(ctx, j.cfg.SiteURL, j.cfg.CertPin, streamURLPath(stream, token))
}
