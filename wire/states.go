package wire

// SessionStatus is the state of an ad hoc support session (SPEC F).
//
//	created → downloaded → activated ⇄ connected
//	activated | connected → rebooting → activated (the agent rejoined, B1)
//	any live state → closed | expired | deleted (ends; never left again)
//
// A rebooting session is still an activated one: the computer stays bound
// and rejoins without a security code; it expires when the computer does
// not come back in time (B4).
type SessionStatus string

const (
	StatusCreated    SessionStatus = "created"
	StatusDownloaded SessionStatus = "downloaded"
	StatusActivated  SessionStatus = "activated"
	StatusConnected  SessionStatus = "connected"
	StatusRebooting  SessionStatus = "rebooting"
	StatusClosed     SessionStatus = "closed"
	StatusExpired    SessionStatus = "expired"
	StatusDeleted    SessionStatus = "deleted"
)

// Ended reports whether the status is final.
func (s SessionStatus) Ended() bool {
	return s == StatusClosed || s == StatusExpired || s == StatusDeleted
}

// Activated reports whether the customer has entered the security code and
// the session has not ended (a rebooting computer is still bound to it).
func (s SessionStatus) Activated() bool {
	return s == StatusActivated || s == StatusConnected || s == StatusRebooting
}

// EndCode is the code the agent shows when the session has reached status s.
func (s SessionStatus) EndCode() Code {
	switch s {
	case StatusClosed:
		return SessionClosed
	case StatusExpired:
		return SessionExpired
	case StatusDeleted:
		return SessionDeleted
	}
	return ""
}

// JumpStatus is the state of a jump client in the jump list (SPEC C6).
type JumpStatus string

const (
	JumpOnline      JumpStatus = "online"
	JumpOffline     JumpStatus = "offline"
	JumpPassive     JumpStatus = "passive"
	JumpDisabled    JumpStatus = "disabled"
	JumpUninstalled JumpStatus = "uninstalled"
)

// AgentMode says how an agent runs.
type AgentMode string

const (
	ModeSupport AgentMode = "support" // temporary support app
	ModeService AgentMode = "service" // jump client as a system service
	ModeUser    AgentMode = "user"    // jump client in the user's session
)
