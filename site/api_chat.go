package site

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

// Chat (D3): messages are stored with the session and delivered over the
// agent's control channel. A technician's message to a computer that is
// offline is refused (customer_offline), not queued: the technician
// should know the customer did not get it. docs/TOOLKIT.md.

type chatRequest struct {
	Text string `json:"text"`
}

func (s *Server) handlePostChat(w http.ResponseWriter, r *http.Request, a *authed) {
	var req chatRequest
	if err := readJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
	if err == nil {
		err = s.checkToolkit(ss)
	}
	if err == nil {
		err = checkChatText(req.Text)
	}
	var ac *agentConn
	if err == nil {
		ac, err = s.chatAgent(r.Context(), ss)
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	m := &store.ChatMessage{SessionID: ss.ID, From: "technician", Name: a.user.Name, Text: req.Text, At: s.clock.Now()}
	if err := s.store.AddChat(r.Context(), m); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if err := ac.send(r.Context(), wire.Chat{Session: ss.ID, ID: m.ID, From: m.From, Name: m.Name, Text: m.Text, At: m.At}); err != nil {
		s.writeErr(w, r, wire.Err(wire.CustomerOffline))
		return
	}
	s.audit(r.Context(), "chat", ss.ID, a.user.Name, remoteAddr(r), chatDetail(m))
	s.recordChat(ss, m)
	writeJSON(w, http.StatusCreated, m)
}

// checkChatText applies SPEC G: 1–4000 characters of valid UTF-8.
func checkChatText(t string) error {
	if strings.TrimSpace(t) == "" {
		return wire.Errorf(wire.BadRequest, "text must not be empty.")
	}
	if err := checkLen("text", t, wire.MaxChatText); err != nil {
		return err
	}
	return nil
}

// chatDetail is what the audit keeps of a message: who and how long, never
// the text (it may carry what the customer typed, passwords included).
func chatDetail(m *store.ChatMessage) string {
	return fmt.Sprintf("%s message, %d characters", m.From, utf8.RuneCountInString(m.Text))
}

// chatAgent is the control channel a technician's message goes to. A jump
// client chats with its logged-in user only when it can show a window.
func (s *Server) chatAgent(ctx context.Context, ss *store.Session) (*agentConn, error) {
	ac, offline := s.agentOf(ss)
	if ac == nil {
		return nil, offline
	}
	if !slices.Contains(ac.features, wire.FeatureToolkit) {
		return nil, wire.Err(wire.AgentOutdated)
	}
	if ss.JumpClientID != "" {
		jc, err := s.store.JumpClient(ctx, ss.JumpClientID)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ac.features, wire.FeatureChatWindow) || !jc.Host.HasDisplay {
			return nil, wire.Err(wire.ChatUnavailable)
		}
	}
	return ac, nil
}

func (s *Server) handleGetChat(w http.ResponseWriter, r *http.Request, a *authed) {
	ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	var since int64
	if v := r.URL.Query().Get("since"); v != "" {
		if since, err = strconv.ParseInt(v, 10, 64); err != nil || since < 0 {
			s.writeErr(w, r, wire.Errorf(wire.BadRequest, "since must be a message id."))
			return
		}
	}
	items, err := s.store.Chat(r.Context(), ss.ID, since, 0)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	if items == nil {
		items = []store.ChatMessage{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// customerChat stores a message the customer typed (agent → site). The
// agent is trusted with the session it is bound to, not with its size.
func (s *Server) customerChat(ctx context.Context, ss *store.Session, m *wire.Chat, addr string) {
	text := truncateChars(m.Text, wire.MaxChatText)
	if !utf8.ValidString(text) || strings.TrimSpace(text) == "" {
		return
	}
	name := cmp.Or(ss.CustomerName, "Customer")
	if ss.JumpClientID != "" {
		name = cmp.Or(m.Name, ss.Computer, "User")
	}
	c := &store.ChatMessage{SessionID: ss.ID, From: "customer", Name: truncateChars(name, maxCustomerName), Text: text, At: s.clock.Now()}
	if err := s.store.AddChat(ctx, c); err != nil {
		s.log.Error("chat from the customer", "session", ss.ID, "err", err)
		return
	}
	s.audit(ctx, "chat", ss.ID, "customer", addr, chatDetail(c))
	s.recordChat(ss, c)
}

// jumpChat stores a jump client's user's message for one of the client's
// live sessions.
func (s *Server) jumpChat(ctx context.Context, jcID string, m *wire.Chat, addr string) {
	ss, err := s.loadSession(ctx, m.Session)
	if err != nil || ss.JumpClientID != jcID || !ss.Live() {
		return
	}
	s.customerChat(ctx, ss, m, addr)
}
