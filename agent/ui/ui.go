// Package ui is the support app's customer window (SPEC A, D2, D3, G): a
// small always-on-top window that tells the customer whether their screen
// is being watched, lets them pause or stop sharing, end the session, chat
// with the technician, and answers the app's questions (security code,
// consent) inside the window instead of in separate dialogs.
//
// The agent is pure Go and cross-compiled with CGO_ENABLED=0, so there is
// no GUI toolkit to lean on: on Linux the window is drawn by this package
// and talks X11 through jezek/xgb; on Windows it is built from real Win32
// controls through golang.org/x/sys/windows; macOS returns ErrUnsupported
// for now. docs/CUSTOMER-WINDOW.md explains why.
//
// All methods of a Window are safe for concurrent use.
package ui

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

var (
	// ErrUnsupported means no window can be shown here (no display, or a
	// platform without a backend yet): the caller keeps its terminal or
	// dialog prompts.
	ErrUnsupported = errors.New("ui: no customer window on this system")
	// ErrClosed is returned by questions asked of a window that the
	// customer closed or the program closed.
	ErrClosed = errors.New("ui: window closed")
)

// Phase is where the support session stands, as the customer sees it.
type Phase int

const (
	// PhaseWaitingCode: the app waits for the customer's security code.
	PhaseWaitingCode Phase = iota
	// PhaseWaitingTechnician: activated; nobody is viewing the screen.
	PhaseWaitingTechnician
	// PhaseSharing: the technician sees (and may control) the screen.
	PhaseSharing
	// PhasePaused: a view is open but the customer paused it.
	PhasePaused
	// PhaseEnded: the session is over; the window only informs.
	PhaseEnded
	// PhaseReconnecting: the link to the site dropped; the app retries.
	PhaseReconnecting
)

func (p Phase) String() string {
	switch p {
	case PhaseWaitingCode:
		return "waiting-code"
	case PhaseWaitingTechnician:
		return "waiting-technician"
	case PhaseSharing:
		return "sharing"
	case PhasePaused:
		return "paused"
	case PhaseEnded:
		return "ended"
	case PhaseReconnecting:
		return "reconnecting"
	}
	return "unknown"
}

// State is what the window shows at the top.
type State struct {
	Phase Phase
	// Technician is the technician's display name ("" = "Your
	// technician").
	Technician string
	// Detail replaces the phase's explanatory second line when set (e.g.
	// an A9 message after the session ended).
	Detail string
}

// Question is a yes/no question shown inside the window (consent to view
// and control, pin as jump client, reboot).
type Question struct {
	Text string
	// Allow and Deny label the two buttons ("" = "Allow" / "Deny" in the
	// window's language).
	Allow, Deny string
	// Timeout answers Default by itself after this long (0 = wait).
	Timeout time.Duration
	Default bool
}

// ChatMessage is one line of the chat history.
type ChatMessage struct {
	FromTechnician bool
	// Name is shown above the text ("" = "Technician" or "You").
	Name string
	Text string
	At   time.Time
}

// EventKind says what the customer did.
type EventKind int

const (
	// EventPause: the customer paused sharing (the window shows Paused).
	EventPause EventKind = iota + 1
	// EventResume: the customer resumed sharing.
	EventResume
	// EventStopSharing: the customer stopped the technician's view; the
	// session stays open.
	EventStopSharing
	// EventEndSession: the customer confirmed "End session".
	EventEndSession
	// EventChat: the customer sent Text.
	EventChat
	// EventClosed: the customer closed the window, i.e. quit the app (the
	// session stays open, SPEC A7). Nothing follows it.
	EventClosed
)

func (k EventKind) String() string {
	switch k {
	case EventPause:
		return "pause"
	case EventResume:
		return "resume"
	case EventStopSharing:
		return "stop-sharing"
	case EventEndSession:
		return "end-session"
	case EventChat:
		return "chat"
	case EventClosed:
		return "closed"
	}
	return "unknown"
}

// Event is one customer action; Text is set for EventChat.
type Event struct {
	Kind EventKind
	Text string
}

// Window is the customer window.
type Window interface {
	// SetState updates the state line, dot colour and buttons.
	SetState(State)
	// AskSecurityCode shows the code entry inside the window and returns
	// what the customer entered (trimmed, never empty). note explains a
	// previous failure ("" for the first ask).
	AskSecurityCode(ctx context.Context, note string) (string, error)
	// Confirm shows q inside the window and returns the customer's answer,
	// or q.Default once q.Timeout passed. Questions asked at the same time
	// are shown one after the other.
	Confirm(ctx context.Context, q Question) (bool, error)
	// AddChat appends a message to the history; a technician's message
	// marks the chat unread while the customer cannot see it.
	AddChat(ChatMessage)
	// Events delivers customer actions in order; it is closed after
	// EventClosed or Close.
	Events() <-chan Event
	// Close removes the window (no EventClosed); pending questions return
	// ErrClosed.
	Close() error
}

// Options configure Open.
type Options struct {
	// Title is the window title ("" = "Tether remote support" in the
	// window's language).
	Title string
	// Lang is "en" or "de" ("" = the user's language, see DetectLang).
	Lang Lang
	// Logger gets diagnostics (nil = discard).
	Logger *slog.Logger
	// Display and XAuthority name the X11 session to show the window on
	// ("" = $DISPLAY): a jump client started at boot finds its user's
	// session with agent/desktop.
	Display, XAuthority string
}

// Open shows the customer window. It returns once the window exists, or an
// error (wrapping ErrUnsupported where no window is possible) so that the
// caller can fall back to its terminal or dialog prompts. The window closes
// when ctx ends, as with Close.
func Open(ctx context.Context, o Options) (Window, error) {
	if o.Lang == "" {
		o.Lang = DetectLang()
	}
	o.Lang = o.Lang.supported()
	if o.Title == "" {
		o.Title = T(o.Lang, KeyTitle)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return open(ctx, o)
}
