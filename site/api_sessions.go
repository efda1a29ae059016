package site

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/mail"
	"time"

	"github.com/tetherhq/tether/site/recording"
	"github.com/tetherhq/tether/site/store"
	"github.com/tetherhq/tether/wire"
)

type createSessionRequest struct {
	CustomerName  string `json:"customer_name"`
	CustomerEmail string `json:"customer_email"`
	ExpiresIn     string `json:"expires_in"`
	Password      string `json:"password"`
	// SendEmail mails the link when an e-mail address is given and SMTP is
	// configured; default true.
	SendEmail *bool `json:"send_email"`
}

// sessionView is the API shape of a session (SPEC F).
type sessionView struct {
	ID            string             `json:"id"`
	Code          string             `json:"code"`
	Status        wire.SessionStatus `json:"status"`
	Technician    string             `json:"technician"`
	CustomerName  string             `json:"customer_name"`
	CustomerEmail string             `json:"customer_email"`
	Computer      string             `json:"computer"`
	Host          *wire.HostInfo     `json:"host,omitempty"`
	Platform      string             `json:"platform,omitempty"`
	DownloadURL   string             `json:"download_url"`
	Online        bool               `json:"online"`
	Locked        bool               `json:"locked"`
	JumpClientID  string             `json:"jump_client_id,omitempty"`
	CreatedAt     time.Time          `json:"created_at"`
	ExpiresAt     time.Time          `json:"expires_at"`
	DownloadedAt  *time.Time         `json:"downloaded_at"`
	ActivatedAt   *time.Time         `json:"activated_at"`
	EndedAt       *time.Time         `json:"ended_at"`
	EmailSentAt   *time.Time         `json:"email_sent_at"`
	LastOnline    *time.Time         `json:"last_online"`
	OnlineSince   *time.Time         `json:"online_since"`
	SecurityCode  string             `json:"security_code,omitempty"` // only in the create answer
	EmailError    string             `json:"email_error,omitempty"`
	Pin           *pinState          `json:"pin,omitempty"` // "Pin as Jump Client" (C2)
	// RebootStartedAt is set while the computer reboots (B1).
	RebootStartedAt *time.Time `json:"reboot_started_at,omitempty"`
	RebootSafeMode  bool       `json:"reboot_safe_mode,omitempty"`
	// Reboot is what the console may offer (B2, B5), in GET /sessions/{id}.
	Reboot *rebootOffer `json:"reboot,omitempty"`
	// Recorded: the site's policy records this session; Recording is its
	// file, once there is one (api_recording.go).
	Recorded  bool            `json:"recorded"`
	Recording *recording.Info `json:"recording,omitempty"`
	// RecordingUnanswered: no node had a part of the recording, but these
	// nodes did not answer (a cluster), so there may be one.
	RecordingUnanswered []string `json:"recording_unanswered_nodes,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Server) view(ss *store.Session) *sessionView {
	v := &sessionView{
		ID: ss.ID, Code: ss.Code, Status: ss.Status, Technician: ss.Technician,
		CustomerName: ss.CustomerName, CustomerEmail: ss.CustomerEmail, Computer: ss.Computer,
		Platform: ss.Platform, DownloadURL: s.downloadURL(ss.Code), Online: s.presence.Online(ss.ID),
		Locked: ss.Locked, JumpClientID: ss.JumpClientID, CreatedAt: ss.CreatedAt, ExpiresAt: ss.ExpiresAt,
		DownloadedAt: optTime(ss.DownloadedAt), ActivatedAt: optTime(ss.ActivatedAt),
		EndedAt: optTime(ss.EndedAt), EmailSentAt: optTime(ss.EmailSentAt),
		LastOnline: optTime(ss.LastOnline), OnlineSince: optTime(ss.OnlineSince),
		RebootStartedAt: optTime(ss.RebootStartedAt), RebootSafeMode: ss.RebootSafeMode,
	}
	if ss.Host.Hostname != "" {
		h := ss.Host
		v.Host = &h
	}
	s.recordingView(v, ss, false)
	return v
}

func (s *Server) downloadURL(code string) string { return s.public.String() + "/download/" + code }

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (req *createSessionRequest) validate(def, max time.Duration) (time.Duration, error) {
	if len(req.Password) < MinPasswordLen {
		return 0, wire.Errorf(wire.BadRequest, "The access password must have at least %d characters.", MinPasswordLen)
	}
	if err := checkLen("customer_name", req.CustomerName, maxCustomerName); err != nil {
		return 0, err
	}
	if req.CustomerEmail != "" {
		if _, err := mail.ParseAddress(req.CustomerEmail); err != nil {
			return 0, wire.Errorf(wire.BadRequest, "The customer e-mail address is not valid.")
		}
	}
	if req.ExpiresIn == "" {
		return def, nil
	}
	d, err := time.ParseDuration(req.ExpiresIn)
	if err != nil || d < time.Second || d > max {
		return 0, wire.Errorf(wire.BadRequest, "expires_in must be a duration between 1s and %s.", max)
	}
	return d, nil
}

func (s *Server) handleCreateSession(w http.ResponseWriter, r *http.Request, a *authed) {
	var req createSessionRequest
	if err := readJSON(r, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	expiry, err := req.validate(s.opts.DefaultExpiry, s.opts.MaxExpiry)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	var pwHash string
	if err := s.hash(r.Context(), func() { pwHash = hashAccessPassword(req.Password) }); err != nil {
		s.writeErr(w, r, err)
		return
	}
	now := s.clock.Now()
	secCode := wire.NewSecurityCode()
	ss := &store.Session{
		ID: newID(), TechnicianID: a.user.ID, Technician: a.user.Name,
		CustomerName: req.CustomerName, CustomerEmail: req.CustomerEmail,
		PasswordHash: pwHash, Status: wire.StatusCreated,
		CreatedAt: now, ExpiresAt: now.Add(expiry),
	}
	ss.SecurityHash = s.securityHash(ss.ID, secCode)
	// A fresh code collides with a live one about once in 10^8/live
	// sessions; retry a few times on the unique index.
	for range 5 {
		ss.Code = wire.NewSessionCode()
		err = s.store.CreateSession(r.Context(), ss, s.opts.LimitPerTech, s.opts.LimitPerSite)
		if !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	s.audit(r.Context(), "created", ss.ID, a.user.Name, remoteAddr(r), "expires "+ss.ExpiresAt.Format(time.RFC3339))
	v := s.view(ss)
	v.SecurityCode = secCode
	if req.CustomerEmail != "" && s.mailer.enabled() && (req.SendEmail == nil || *req.SendEmail) {
		if sent, err := s.emailLink(r.Context(), ss, a.user.Name); err != nil {
			v.EmailError = err.Error()
		} else {
			v.EmailSentAt = optTime(sent)
		}
	}
	writeJSON(w, http.StatusCreated, v)
}

// ownSession loads a session the caller may see: its technician's, or any
// for an admin. Others get 404 so IDs do not leak.
func (s *Server) ownSession(ctx context.Context, a *authed, id string) (*store.Session, error) {
	ss, err := s.loadSession(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && ss.TechnicianID != a.user.ID && !a.user.Admin) {
		return nil, wire.Errorf(wire.NotFound, "No such session.")
	}
	return ss, err
}

func (s *Server) handleGetSession(w http.ResponseWriter, r *http.Request, a *authed) {
	ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	v := s.view(ss)
	v.Pin = s.pinView(r.Context(), ss.ID)
	s.recordingView(v, ss, true)
	s.othersRecordings(r.Context(), []*sessionView{v}, true)
	if ss.Live() {
		offer, err := s.rebootOfferOf(r.Context(), ss)
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		v.Reboot = &offer
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleListSessions(w http.ResponseWriter, r *http.Request, a *authed) {
	tech := a.user.ID
	if a.user.Admin && r.URL.Query().Get("all") == "1" {
		tech = 0
	}
	list, err := s.store.ListSessions(r.Context(), tech, r.URL.Query().Get("ended") != "0")
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	items := make([]*sessionView, 0, len(list))
	for _, ss := range list {
		items = append(items, s.view(ss))
	}
	s.othersRecordings(r.Context(), items, false)
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) handleEndSession(to wire.SessionStatus) func(http.ResponseWriter, *http.Request, *authed) {
	return func(w http.ResponseWriter, r *http.Request, a *authed) {
		ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
		if err == nil {
			ss, err = s.endSession(r.Context(), ss.ID, to, a.user.Name, remoteAddr(r))
		}
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s.view(ss))
	}
}

func (s *Server) handleEmailSession(w http.ResponseWriter, r *http.Request, a *authed) {
	ss, err := s.ownSession(r.Context(), a, r.PathValue("id"))
	if err == nil && !ss.Live() {
		err = wire.Err(ss.Status.EndCode())
	}
	if err == nil && (ss.CustomerEmail == "" || !s.mailer.enabled()) {
		err = wire.Errorf(wire.BadRequest, "No customer e-mail address, or e-mail is not configured on this site.")
	}
	if err == nil {
		_, err = s.emailLink(r.Context(), ss, a.user.Name)
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	ss, _ = s.store.Session(r.Context(), ss.ID)
	writeJSON(w, http.StatusOK, s.view(ss))
}
