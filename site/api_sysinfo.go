package site

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/site/filexfer"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// System information (D3, SPEC G): a sysinfo stream on which the agent
// sends agent/sysinfo.Collect's JSON once (docs/TOOLKIT.md).

// sysinfoTimeout bounds GET /sysinfo: agent/sysinfo answers within a few
// seconds whatever hangs, so ten means the agent is not answering.
const sysinfoTimeout = 10 * time.Second

// handleSysInfo returns the agent's agent/sysinfo.Collect as it sent it.
func (s *Server) handleSysInfo(w http.ResponseWriter, r *http.Request, a *authed) {
	ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
	if err == nil {
		err = s.checkToolkit(ss)
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), sysinfoTimeout)
	defer cancel()
	info, err := s.sysinfo(ctx, ss)
	if ctx.Err() != nil && r.Context().Err() == nil {
		err = wire.Err(wire.AgentTimeout)
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.audit(r.Context(), "sysinfo", ss.ID, a.user.Name, remoteAddr(r), "")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(info)
}

func (s *Server) sysinfo(ctx context.Context, ss *store.Session) (json.RawMessage, error) {
	p, err := s.openStream(ctx, ss, wire.StreamSysInfo, struct{}{}, false)
	if err != nil {
		return nil, err
	}
	conn, release, err := s.awaitAgent(ctx, p)
	if err != nil {
		return nil, err
	}
	defer release()
	conn.SetReadLimit(filexfer.ReadLimit)
	typ, b, err := conn.Read(ctx)
	if err != nil {
		return nil, filexfer.Refusal(err)
	}
	if typ != websocket.MessageText || !json.Valid(b) {
		return nil, fmt.Errorf("sysinfo: the agent sent no JSON")
	}
	conn.Close(websocket.StatusNormalClosure, "")
	return b, nil
}
