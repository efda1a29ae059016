package wire

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is a stable machine-readable error code. Scripts and outside tests rely
// on these strings and on the texts in messages; never change either.
type Code string

// Ad hoc session codes (SPEC A9).
const (
	SessionInvalid      Code = "session_invalid"
	SessionExpired      Code = "session_expired"
	SessionClosed       Code = "session_closed"
	SessionDeleted      Code = "session_deleted"
	AppNotAvailable     Code = "app_not_available"
	SecurityCodeInvalid Code = "security_code_invalid"
	PreviousSessionOpen Code = "previous_session_open"
	HostInstalled       Code = "host_installed"
	LimitTechnician     Code = "limit_technician"
	LimitSite           Code = "limit_site"
)

// Jump client codes (SPEC C11).
const (
	JCLimitTotal      Code = "jc_limit_total"
	JCLimitActive     Code = "jc_limit_active"
	PinPending        Code = "pin_pending"
	AlreadyPinned     Code = "already_pinned"
	NoCustomer        Code = "no_customer"
	CustomerOffline   Code = "customer_offline"
	JCNotFound        Code = "jc_not_found"
	JCOffline         Code = "jc_offline"
	JCUninstalled     Code = "jc_uninstalled"
	ServerBusy        Code = "server_busy"
	JumpInternal      Code = "jump_internal"
	JumpTimeout       Code = "jump_timeout"
	JCNotConnected    Code = "jc_not_connected"
	JCConnectTimeout  Code = "jc_connect_timeout"
	JCDisabled        Code = "jc_disabled"
	JCVersionMismatch Code = "jc_version_mismatch"
)

// Generic codes for the HTTP API; not part of the vendor texts.
const (
	BadRequest       Code = "bad_request"
	Unauthorized     Code = "unauthorized"
	Forbidden        Code = "forbidden"
	NotFound         Code = "not_found"
	TooManyRequests  Code = "too_many_requests"
	Internal         Code = "internal"
	Conflict         Code = "conflict"
	InstallerExpired Code = "installer_expired"
	InstallerInvalid Code = "installer_invalid"
	Unsupported      Code = "unsupported"
	// UnsupportedMediaType: a body that is not application/json.
	UnsupportedMediaType Code = "unsupported_media_type"
	// UpgradeRequired: a stream endpoint called without a WebSocket upgrade.
	UpgradeRequired Code = "upgrade_required"
	// SessionLocked: too many wrong security codes; only the technician
	// can help (a new session).
	SessionLocked Code = "session_locked"
	// JCUpdating: the jump client is updating itself to the site's version.
	JCUpdating Code = "jc_updating"
	// InvalidPackage: an installer's package does not fit its platform
	// (SPEC G); the message names the packages that do.
	InvalidPackage Code = "invalid_package"
	// RebootUnsupported: reboot and reconnect is not offered for this
	// computer (B5: macOS); Detail says why.
	RebootUnsupported Code = "reboot_unsupported"
)

// Session toolkit codes (SPEC D3, D4, G; docs/TOOLKIT.md).
const (
	// PathNotAllowed: a transfer path escapes its root (.., an absolute
	// path where only the transfer folder is allowed, a symbolic link out).
	PathNotAllowed Code = "path_not_allowed"
	// FileTooLarge: larger than the site's (or the agent's) maximum.
	FileTooLarge Code = "file_too_large"
	// TransferDenied: the customer said no to a file transfer.
	TransferDenied Code = "transfer_denied"
	// AgentTimeout: the agent did not answer a toolkit request in time
	// (system information, a stream it was asked to open).
	AgentTimeout Code = "agent_timeout"
	// AgentOutdated: the agent is from before the toolkit.
	AgentOutdated Code = "agent_outdated"
	// ChatUnavailable: a jump client with nobody to chat with.
	ChatUnavailable Code = "chat_unavailable"
	// ShellNotAllowed: a shell the policy refuses (support apps, or root).
	ShellNotAllowed Code = "shell_not_allowed"
	// AccessDenied: the customer (or the policy's default answer) denied
	// a view or a toolkit stream.
	AccessDenied Code = "access_denied"
	// SiteDraining: the site is shutting down (SIGTERM) and takes no new
	// agents or views; another site of the same installation will.
	SiteDraining Code = "site_draining"
	// NoRecording: the session has no recording (recording was off for
	// it, nothing was relayed yet, or retention removed it).
	NoRecording Code = "no_recording"
)

var messages = map[Code]string{
	SessionInvalid:      "This support session is invalid.",
	SessionExpired:      "This support session has expired. Inform your support technician.",
	SessionClosed:       "The support session has been closed.",
	SessionDeleted:      "This support session is invalid. Contact your technician.",
	AppNotAvailable:     "App not available",
	SecurityCodeInvalid: "Invalid security code.",
	PreviousSessionOpen: "A previous session has not yet been closed completely.",
	HostInstalled:       "Host software is installed on this computer.",
	LimitTechnician:     "Only one ad hoc support session can be active per technician.",
	LimitSite:           "The maximum number of concurrent support sessions has been reached. Try again later.",

	JCLimitTotal:      "The total number of deployable Jump Clients for this site has been reached.",
	JCLimitActive:     "The total number of active Jump Clients for this site has been reached.",
	PinPending:        "There is already a pin request pending for this support session.",
	AlreadyPinned:     "The support client is already pinned.",
	NoCustomer:        "No customer was found in the support session.",
	CustomerOffline:   "The customer in the support session is not online.",
	JCNotFound:        "The Jump Client does not exist.",
	JCOffline:         "The Jump Client is offline.",
	JCUninstalled:     "The specified Jump Client has been uninstalled.",
	ServerBusy:        "The server is currently too busy. Please try again later.",
	JumpInternal:      "An internal error occurred while starting the support session.",
	JumpTimeout:       "An internal operation took too long while creating the support session.",
	JCNotConnected:    "The active Jump Client is not connected.",
	JCConnectTimeout:  "Timed out while trying to connect to the Jump Client.",
	JCDisabled:        "The Jump Client has been disabled by the user and does not currently allow sessions to start.",
	JCVersionMismatch: "The Jump Client is running a different version and is not attempting to update. Please try again after the update has finished.",

	BadRequest:       "The request is not valid.",
	Unauthorized:     "Authentication required.",
	Forbidden:        "You are not allowed to do this.",
	NotFound:         "Not found.",
	TooManyRequests:  "Too many attempts. Try again later.",
	Internal:         "An internal error occurred.",
	Conflict:         "The request conflicts with the current state.",
	InstallerExpired: "This installer has expired.",
	InstallerInvalid: "This installer is not valid.",
	Unsupported:      "This platform is not available on this site.",

	UnsupportedMediaType: "Send the body as application/json.",
	UpgradeRequired:      "This endpoint takes a WebSocket connection.",
	SessionLocked:        "This support session is locked after too many wrong security codes. Contact your technician.",
	JCUpdating:           "The Jump Client is updating to the site's version. Please try again in a minute.",
	InvalidPackage:       "This package is not available for the installer's platform.",

	PathNotAllowed:    "This path is not allowed.",
	FileTooLarge:      "The file is too large.",
	TransferDenied:    "The customer denied the file transfer.",
	AgentTimeout:      "The customer's computer did not answer in time.",
	AgentOutdated:     "The Tether app on the customer's computer is too old for this. Update it and try again.",
	ChatUnavailable:   "Chat is not available: nobody is logged in to a desktop on this computer.",
	ShellNotAllowed:   "A command shell is not allowed on this computer.",
	AccessDenied:      "The customer denied access.",
	SiteDraining:      "This site is shutting down. Try again in a moment.",
	RebootUnsupported: "Reboot and reconnect is not available for this computer.",
	NoRecording:       "This session has no recording.",
}

var statuses = map[Code]int{
	SessionInvalid: http.StatusForbidden, SessionExpired: http.StatusGone,
	SessionClosed: http.StatusGone, SessionDeleted: http.StatusGone,
	AppNotAvailable: http.StatusGone, SecurityCodeInvalid: http.StatusForbidden,
	PreviousSessionOpen: http.StatusConflict, HostInstalled: http.StatusConflict,
	LimitTechnician: http.StatusTooManyRequests, LimitSite: http.StatusTooManyRequests,
	JCLimitTotal: http.StatusConflict, JCLimitActive: http.StatusConflict,
	PinPending: http.StatusConflict, AlreadyPinned: http.StatusConflict,
	NoCustomer: http.StatusConflict, CustomerOffline: http.StatusConflict,
	JCNotFound: http.StatusNotFound, JCOffline: http.StatusConflict,
	JCUninstalled: http.StatusGone, ServerBusy: http.StatusServiceUnavailable,
	JumpInternal: http.StatusInternalServerError, JumpTimeout: http.StatusGatewayTimeout,
	JCNotConnected: http.StatusConflict, JCConnectTimeout: http.StatusGatewayTimeout,
	JCDisabled: http.StatusConflict, JCVersionMismatch: http.StatusConflict,
	BadRequest: http.StatusBadRequest, Unauthorized: http.StatusUnauthorized,
	Forbidden: http.StatusForbidden, NotFound: http.StatusNotFound,
	TooManyRequests: http.StatusTooManyRequests, Internal: http.StatusInternalServerError,
	Conflict: http.StatusConflict, InstallerExpired: http.StatusGone,
	InstallerInvalid: http.StatusForbidden, Unsupported: http.StatusNotFound,
	UnsupportedMediaType: http.StatusUnsupportedMediaType, UpgradeRequired: http.StatusUpgradeRequired,
	SessionLocked: http.StatusForbidden, JCUpdating: http.StatusConflict,
	InvalidPackage: http.StatusBadRequest,
	PathNotAllowed: http.StatusForbidden, FileTooLarge: http.StatusRequestEntityTooLarge,
	TransferDenied: http.StatusForbidden, AgentTimeout: http.StatusGatewayTimeout,
	AgentOutdated: http.StatusConflict, ChatUnavailable: http.StatusConflict,
	ShellNotAllowed: http.StatusForbidden, AccessDenied: http.StatusForbidden,
	SiteDraining: http.StatusServiceUnavailable, RebootUnsupported: http.StatusConflict,
	NoRecording: http.StatusNotFound,
}

// Message is the exact English text for a code ("" for unknown codes).
func (c Code) Message() string { return messages[c] }

// HTTPStatus is the status the API answers with for this code.
func (c Code) HTTPStatus() int {
	if s, ok := statuses[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Known reports whether c is one of the codes above.
func (c Code) Known() bool { _, ok := messages[c]; return ok }

// Codes lists every known code, for tests and documentation.
func Codes() []Code {
	out := make([]Code, 0, len(messages))
	for c := range messages {
		out = append(out, c)
	}
	return out
}

// Error is an error that carries a stable code. Its Error() is the exact text,
// so that printing it to a customer shows the product's message.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	// Detail is extra context for logs and API callers (never the text).
	Detail string `json:"detail,omitempty"`
}

// Errorf builds an Error with the code's standard text.
func Err(c Code) *Error { return &Error{Code: c, Message: c.Message()} }

// Errorf builds an Error with a formatted text. The product's A9/C11 codes
// keep their exact text and carry the formatted line as Detail; generic codes
// (bad_request, not_found, …) use the formatted line as their message.
func Errorf(c Code, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	if generic[c] {
		return &Error{Code: c, Message: msg}
	}
	return &Error{Code: c, Message: c.Message(), Detail: msg}
}

// Generic reports whether c is a generic HTTP-style code whose message
// varies, rather than a product code with a fixed text.
func Generic(c Code) bool { return generic[c] }

var generic = map[Code]bool{
	BadRequest: true, Unauthorized: true, Forbidden: true, NotFound: true,
	TooManyRequests: true, Internal: true, Conflict: true, Unsupported: true,
	UnsupportedMediaType: true, UpgradeRequired: true, InvalidPackage: true,
}

func (e *Error) Error() string { return e.Message }

// Is makes errors.Is(err, wire.Err(code)) match on the code alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// CodeOf returns the code carried by err, or "" when it carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// ErrorBody is the JSON body of every API error: {"error":{"code","message"}}.
type ErrorBody struct {
	Error *Error `json:"error"`
}

// ExitStatus is the agent's process exit status for a code, so that scripts
// can tell refusals apart without parsing text. 1 is any other failure.
func (c Code) ExitStatus() int {
	switch c {
	case SessionInvalid:
		return 10
	case SessionExpired:
		return 11
	case SessionClosed:
		return 12
	case SessionDeleted:
		return 13
	case AppNotAvailable:
		return 14
	case SecurityCodeInvalid:
		return 15
	case SessionLocked:
		return 19
	case PreviousSessionOpen:
		return 16
	case HostInstalled:
		return 17
	case LimitTechnician, LimitSite:
		return 18
	case InstallerExpired, InstallerInvalid:
		return 20
	case JCLimitTotal, JCLimitActive:
		return 21
	}
	return 1
}
