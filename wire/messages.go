package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Control messages travel as JSON text frames on the agent's WebSocket
// (/agent/v1/connect). Every message is one JSON object whose "type" field
// names it; the other fields belong to that type. Binary frames on the same
// socket are never control messages (see frame.go for the stream format).
//
// The handshake, in order:
//
//	site  → agent  challenge  {nonce}
//	agent → site   hello      {protocol, version, kind, config, identity, proof, host, nonce}
//	site  → agent  welcome    {…, site_proof}   or  error {code, message}
//	agent → site   activate   {security_code}   (support app, until activated)
//	site  → agent  activated  {…}               or  error {code, message}
//
// after which the site may send end, reboot, view, open, chat, update and reconnect at any
// time and the agent sends host updates, chat and, after a reboot request, reboot_status. An agent whose hello sets Beats keeps the link
// alive with a beat message every welcome.Heartbeat, which the site echoes;
// the site then sends no WebSocket pings (so an idle connection needs no
// reader parked on the site, see site/idle.go). Older agents are pinged.

// Msg is any control message.
type Msg interface{ MsgType() string }

// MaxControlMessage bounds a control message; anything larger is refused
// before parsing so that a peer cannot make the other side allocate freely.
const MaxControlMessage = 1 << 20

// Challenge is the site's first message: a fresh nonce the agent signs with its
// identity key, proving it holds the key for the identity it claims.
type Challenge struct {
	Nonce []byte `json:"nonce"`
}

// Hello introduces the agent.
type Hello struct {
	Protocol int       `json:"protocol"`
	Version  string    `json:"version"`
	Mode     AgentMode `json:"mode"`
	// Config is the signed embedded config the agent was downloaded with
	// (support app), or the signed jump-client enrolment it holds.
	Config []byte `json:"config"`
	// Identity is the agent's ed25519 public key; Proof signs ProofMessage.
	Identity []byte   `json:"identity"`
	Proof    []byte   `json:"proof"`
	Nonce    []byte   `json:"nonce"` // the agent's nonce for the site's proof
	Host     HostInfo `json:"host"`
	// JumpClientID is set by an enrolled jump client.
	JumpClientID string `json:"jump_client_id,omitempty"`
	// Disabled is set when the local user has disabled the jump client (C9).
	Disabled bool `json:"disabled,omitempty"`
	// Enroll carries the install flags (C3) when a jump client enrols with
	// an installer config for the first time.
	Enroll *Enroll `json:"enroll,omitempty"`
	// Uninstalling reports that the jump client is being uninstalled by
	// hand (C8): the site lists it as uninstalled and closes.
	Uninstalling bool `json:"uninstalling,omitempty"`
	// Beats says the agent sends Beat messages instead of answering
	// WebSocket pings.
	Beats bool `json:"beats,omitempty"`
	// PreviousSession is the session of this site the computer was bound
	// to before (support app): the site refuses with previous_session_open
	// while that one is live and another technician's.
	PreviousSession string `json:"previous_session,omitempty"`
	// Features lists what this agent understands beyond the view (see
	// Feature*): the site refuses a toolkit request an older agent would
	// silently drop, instead of waiting for it to time out.
	Features []string `json:"features,omitempty"`
	// Rejoin says the agent is back from a reboot the site asked for (B1):
	// only then does a rebooting session go back to activated, not when an
	// agent that has not gone down yet reconnects after a network blip.
	Rejoin bool `json:"rejoin,omitempty"`
}

// Features an agent announces in Hello.Features (docs/TOOLKIT.md).
const (
	// FeatureToolkit: Open (files, shell, sysinfo, clipboard streams) and
	// Chat.
	FeatureToolkit = "toolkit-v1"
	// FeatureChatWindow: a jump client that can show the chat to the
	// logged-in user (a window is possible on its desktop).
	FeatureChatWindow = "chat-window"
)

// Enroll is what an admin chose at install time; flags win over the
// installer's own values.
type Enroll struct {
	Name      string `json:"name,omitempty"`
	JumpGroup string `json:"jump_group,omitempty"`
	Tag       string `json:"tag,omitempty"`
	Comments  string `json:"comments,omitempty"`
	Mode      string `json:"mode,omitempty"`
}

// HostInfo are the statistics a computer reports (C6).
type HostInfo struct {
	Hostname    string    `json:"hostname"`
	OS          string    `json:"os"`
	Arch        string    `json:"arch"`
	ConsoleUser string    `json:"console_user,omitempty"`
	Domain      string    `json:"domain,omitempty"`
	Workgroup   string    `json:"workgroup,omitempty"`
	PrivateIP   string    `json:"private_ip,omitempty"`
	BootTime    time.Time `json:"boot_time,omitzero"`
	HasDisplay  bool      `json:"has_display"`
	Service     bool      `json:"service,omitempty"` // runs as a system service
}

// Welcome accepts the agent.
type Welcome struct {
	SessionID        string        `json:"session_id,omitempty"`
	JumpClientID     string        `json:"jump_client_id,omitempty"`
	Status           SessionStatus `json:"status,omitempty"`
	NeedSecurityCode bool          `json:"need_security_code,omitempty"`
	Technician       string        `json:"technician,omitempty"`
	ExpiresAt        time.Time     `json:"expires_at,omitzero"`
	Heartbeat        time.Duration `json:"heartbeat"`
	// Beats says the site answers beats (a site from before them only
	// pings, and the agent then pings it too).
	Beats bool `json:"beats,omitempty"`
	// CheckIn, when set, makes this connection a passive jump client's
	// check-in (C9): the agent disconnects and comes back after CheckIn.
	CheckIn time.Duration `json:"check_in,omitempty"`
	// SiteProof signs the agent's nonce with the site key embedded in the
	// agent's config, so a TLS-pinned connection is also bound to that key.
	SiteProof []byte `json:"site_proof"`
}

// Activate carries the security code the customer typed.
type Activate struct {
	SecurityCode string `json:"security_code"`
}

// Activated confirms activation; the session now lives until EndsAt.
type Activated struct {
	EndsAt time.Time `json:"ends_at"`
}

// ErrorMsg refuses something; Code is one of the codes in errors.go.
type ErrorMsg struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	// Attempts left before the session locks (security code), when known.
	AttemptsLeft int `json:"attempts_left,omitempty"`
	// SiteProof signs RefusalMessage when this refuses a hello.
	SiteProof []byte `json:"site_proof,omitempty"`
}

// End tells the agent the session is over; the support app removes itself,
// a jump client uninstalls itself when Uninstall is set.
type End struct {
	Code      Code `json:"code"`
	Uninstall bool `json:"uninstall,omitempty"`
}

// Reboot asks the agent to reboot the computer and rejoin (B1, B2). The
// site's settings travel with it (B3): Confirm asks the customer before the
// reboot, RestartConfirm asks again before sharing resumes after it. The
// agent answers with RebootStatus messages.
type Reboot struct {
	// Session is the session the reboot belongs to; the agent names it
	// in its RebootStatus (a jump client serves several).
	Session        string `json:"session"`
	SafeMode       bool   `json:"safe_mode,omitempty"`
	Confirm        bool   `json:"confirm,omitempty"`
	RestartConfirm bool   `json:"restart_confirm,omitempty"`
	Technician     string `json:"technician,omitempty"`
	// Timeout is how long the site waits for the computer to come back
	// before the session expires (B4), for what the customer is told.
	Timeout time.Duration `json:"timeout,omitempty"`
}

// RebootEvent is one step of a reboot the agent reports (audited, D5).
type RebootEvent string

const (
	RebootConfirmed RebootEvent = "confirmed" // the customer allowed the reboot
	RebootDeclined  RebootEvent = "declined"  // the customer said no, or did not answer
	// RebootStarting: the rejoin is arranged; the agent restarts the OS now.
	RebootStarting RebootEvent = "rebooting"
	// RebootFailed: the reboot could not be prepared or started; the
	// session goes on as before. Detail says why.
	RebootFailed    RebootEvent = "failed"
	SafeModeSet     RebootEvent = "safe_mode_set"     // the next boot is Safe Mode with networking (B2)
	SafeModeCleared RebootEvent = "safe_mode_cleared" // back after it: the boot after is normal again
	// SafeModeClearFailed: back, but the flag could not be cleared (the
	// agent tries again at its next start). Detail says why.
	SafeModeClearFailed RebootEvent = "safe_mode_clear_failed"
	// SharingRestarted and ReconnectCancelled answer the question after
	// the reboot (B3): the customer lets sharing resume, or cancels the
	// reconnection and the support app quits.
	SharingRestarted   RebootEvent = "sharing_restarted"
	ReconnectCancelled RebootEvent = "reconnect_cancelled"
)

// RebootStatus reports a step of a reboot from the agent to the site.
type RebootStatus struct {
	Session string      `json:"session"`
	Event   RebootEvent `json:"event"`
	Detail  string      `json:"detail,omitempty"`
}

// View asks the agent to open a remote-control stream for one viewer. The
// agent dials /agent/v1/stream/{stream} and authenticates with Token.
type View struct {
	Stream  string `json:"stream"`
	Token   []byte `json:"token"`
	Control bool   `json:"control"` // the viewer wants input, not just view
	Shell   bool   `json:"shell,omitempty"`
	// Consent is the site's consent policy for this view (D2); nil (a site
	// from before it) means ask the customer of a support app and let a
	// jump client in unattended.
	Consent *Consent `json:"consent,omitempty"`
	// Session is the jump session the view belongs to (jump clients serve
	// several sessions on one control channel).
	Session string `json:"session,omitempty"`
}

// Consent is the site's consent policy (D2) as the agent enforces it.
type Consent struct {
	// Mode is ConsentAsk, ConsentViewPreallowed (support apps),
	// ConsentUnattended or ConsentPrompt (jump clients).
	Mode string `json:"mode"`
	// Timeout bounds a prompt; Default answers it when the time is up or
	// nobody is there to ask (a jump client without a logged-in user).
	Timeout time.Duration `json:"timeout,omitempty"`
	Default bool          `json:"default,omitempty"`
	// Technician is who asks, named in the question.
	Technician string `json:"technician,omitempty"`
}

// Consent modes.
const (
	ConsentAsk            = "ask"
	ConsentViewPreallowed = "view-only-preallowed"
	ConsentUnattended     = "unattended"
	ConsentPrompt         = "prompt"
)

// Open asks the agent to dial a data stream (docs/TOOLKIT.md) exactly as a
// view does: /agent/v1/stream/{stream}?token=Token. Kind says what runs
// on it (StreamFiles, StreamShell, StreamSysInfo, StreamClipboard); Params
// are the kind's JSON parameters. An agent that refuses dials anyway and
// closes with StatusPolicyViolation and a wire code as the reason.
type Open struct {
	Stream  string          `json:"stream"`
	Token   []byte          `json:"token"`
	Kind    string          `json:"kind"`
	Session string          `json:"session,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Consent *Consent        `json:"consent,omitempty"`
}

// Stream kinds of Open.
const (
	StreamView      = "view"
	StreamFiles     = "files"
	StreamShell     = "shell"
	StreamSysInfo   = "sysinfo"
	StreamClipboard = "clipboard"
)

// Chat is one chat message (D3). Site → agent: a technician's message to
// show; agent → site: the customer's message (ID and At are the site's to
// set, Session names the jump session).
type Chat struct {
	Session string    `json:"session,omitempty"`
	ID      int64     `json:"id,omitempty"`
	From    string    `json:"from,omitempty"` // "technician" or "customer"
	Name    string    `json:"name,omitempty"`
	Text    string    `json:"text"`
	At      time.Time `json:"at,omitzero"`
}

// MaxChatText bounds a chat message, in characters (SPEC G).
const MaxChatText = 4000

// Update tells a jump client that a newer signed build is available (C12).
type Update struct {
	Version string `json:"version"`
	// URL is a path on the site (relative to the config's site URL), so the
	// download goes over the same pinned TLS as the control channel.
	URL    string `json:"url"`
	SHA256 []byte `json:"sha256"` // of exactly the bytes URL serves
	Size   int64  `json:"size"`
	Sig    []byte `json:"sig"` // site key over UpdateMessage
	// Config is the client's own installer config re-issued for the new
	// build (its signature covers the new program's digest): the agent
	// stamps it into the build instead of its current one.
	Config []byte `json:"config,omitempty"`
}

// HostUpdate reports changed statistics.
type HostUpdate struct {
	Host     HostInfo `json:"host"`
	Disabled bool     `json:"disabled,omitempty"`
}

// Sleep turns an active passive-mode jump client back into checking in
// every CheckIn (C9), e.g. when the session it was woken for ended.
type Sleep struct {
	CheckIn time.Duration `json:"check_in"`
}

// PinRequest asks the support app to become a jump client (C2); the
// customer may be asked first.
type PinRequest struct {
	Technician string `json:"technician"`
	Name       string `json:"name"`
}

// PinAnswer is the customer's answer to a PinRequest.
type PinAnswer struct {
	Allow bool `json:"allow"`
}

// Pinned carries the signed single-use installer config the support app
// installs itself with (user mode) to become the pinned jump client.
type Pinned struct {
	Config []byte `json:"config"`
}

// Beat is the heartbeat of an agent that set Hello.Beats: the agent sends
// one every welcome.Heartbeat and the site answers with one. Each side
// closes a link that stays silent for longer than it allows.
type Beat struct{}

// Reconnect asks the agent to leave this site and connect again within
// After: the site is draining (shutting down), and the next connection
// reaches another site behind the same address, or this one restarted. The
// agent waits a random delay below After instead of its backoff, so that
// thousands of agents spread their reconnections over After, and keeps
// the views it serves running on their own streams until they end.
type Reconnect struct {
	After time.Duration `json:"after"`
}

// Notice is a line of text for the customer (e.g. "technician connected").
type Notice struct {
	Text string `json:"text"`
}

func (Challenge) MsgType() string    { return "challenge" }
func (Hello) MsgType() string        { return "hello" }
func (Welcome) MsgType() string      { return "welcome" }
func (Activate) MsgType() string     { return "activate" }
func (Activated) MsgType() string    { return "activated" }
func (ErrorMsg) MsgType() string     { return "error" }
func (End) MsgType() string          { return "end" }
func (Reboot) MsgType() string       { return "reboot" }
func (RebootStatus) MsgType() string { return "reboot_status" }
func (View) MsgType() string         { return "view" }
func (Update) MsgType() string       { return "update" }
func (HostUpdate) MsgType() string   { return "host" }
func (Notice) MsgType() string       { return "notice" }
func (Sleep) MsgType() string        { return "sleep" }
func (PinRequest) MsgType() string   { return "pin_request" }
func (PinAnswer) MsgType() string    { return "pin_answer" }
func (Pinned) MsgType() string       { return "pinned" }
func (Beat) MsgType() string         { return "beat" }
func (Open) MsgType() string         { return "open" }
func (Chat) MsgType() string         { return "chat" }
func (Reconnect) MsgType() string    { return "reconnect" }

var decoders = map[string]func() Msg{
	"challenge":     func() Msg { return &Challenge{} },
	"hello":         func() Msg { return &Hello{} },
	"welcome":       func() Msg { return &Welcome{} },
	"activate":      func() Msg { return &Activate{} },
	"activated":     func() Msg { return &Activated{} },
	"error":         func() Msg { return &ErrorMsg{} },
	"end":           func() Msg { return &End{} },
	"reboot":        func() Msg { return &Reboot{} },
	"reboot_status": func() Msg { return &RebootStatus{} },
	"view":          func() Msg { return &View{} },
	"update":        func() Msg { return &Update{} },
	"host":          func() Msg { return &HostUpdate{} },
	"notice":        func() Msg { return &Notice{} },
	"sleep":         func() Msg { return &Sleep{} },
	"pin_request":   func() Msg { return &PinRequest{} },
	"pin_answer":    func() Msg { return &PinAnswer{} },
	"pinned":        func() Msg { return &Pinned{} },
	"beat":          func() Msg { return &Beat{} },
	"open":          func() Msg { return &Open{} },
	"chat":          func() Msg { return &Chat{} },
	"reconnect":     func() Msg { return &Reconnect{} },
}

// Encode marshals m with its "type" field.
func Encode(m Msg) ([]byte, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.MsgType(), err)
	}
	// Splice "type" in front of the object's own fields; every Msg is a
	// struct, so body starts with '{'.
	var b bytes.Buffer
	b.Grow(len(body) + 24)
	b.WriteString(`{"type":`)
	t, _ := json.Marshal(m.MsgType())
	b.Write(t)
	if len(body) > 2 {
		b.WriteByte(',')
	}
	b.Write(body[1:])
	return b.Bytes(), nil
}

// ErrUnknownMessage is returned for a well-formed message of a type this
// version does not know; callers may ignore it for forward compatibility.
var ErrUnknownMessage = errors.New("unknown message type")

// Decode parses one control message. It returns a pointer to the typed
// struct (e.g. *Hello).
func Decode(b []byte) (Msg, error) {
	if len(b) > MaxControlMessage {
		return nil, fmt.Errorf("control message of %d bytes exceeds %d", len(b), MaxControlMessage)
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("decode control message: %w", err)
	}
	mk, ok := decoders[head.Type]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownMessage, head.Type)
	}
	m := mk()
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", head.Type, err)
	}
	if o, ok := m.(*Open); ok && len(o.Params) > 0 {
		// Compacted, as Encode writes it, so a message decodes the same
		// however the sender spaced its parameters.
		var c bytes.Buffer
		if err := json.Compact(&c, o.Params); err != nil {
			return nil, fmt.Errorf("decode open params: %w", err)
		}
		o.Params = c.Bytes()
	}
	return m, nil
}

// ProofMessage is what an agent signs to prove its identity: a domain
// separator, the site's nonce and a hash-free binding to the config it
// presents, so a proof cannot be replayed for another session.
func ProofMessage(nonce, config []byte) []byte {
	b := make([]byte, 0, 32+len(nonce)+len(config))
	b = append(b, "tether-agent-proof-v1\x00"...)
	b = append(b, nonce...)
	b = append(b, 0)
	b = append(b, config...)
	return b
}

// SiteProofMessage is what the site signs with its key to answer the agent's
// nonce.
func SiteProofMessage(nonce []byte) []byte {
	return append([]byte("tether-site-proof-v1\x00"), nonce...)
}

// RefusalMessage is what the site signs (ErrorMsg.SiteProof) when it
// refuses an agent's hello: the agent's nonce and the code, so that a
// refusal with consequences (a removed jump client uninstalls itself) is
// known to come from the agent's own site.
func RefusalMessage(nonce []byte, code Code) []byte {
	return append(append([]byte("tether-refusal-v1\x00"), nonce...), code...)
}

// UpdateMessage is what the site signs to vouch for an agent build (C12):
// the version it claims, the platform it is for and its SHA-256, so a build
// cannot be replayed as another version or onto another platform.
func UpdateMessage(version, platform string, sha256 []byte) []byte {
	b := make([]byte, 0, 64+len(version)+len(platform))
	b = append(b, "tether-update-v1\x00"...)
	b = append(b, version...)
	b = append(b, 0)
	b = append(b, platform...)
	b = append(b, 0)
	return append(b, sha256...)
}
