package agent

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/internal/backoff"
	"github.com/tetherhq/tether/wire"
)

// SupportOptions configure the temporary support app (SPEC A, F).
type SupportOptions struct {
	StateDir     string
	Site, Code   string // instead of an embedded config
	Pin          string // certificate pin for --site (else system roots)
	SecurityCode string
	AllowControl bool
	AllowPin     bool // answer "Pin as Jump Client" (C2) in advance
	Silent       bool

	Executable string // this program; its embedded config and what A5 removes
	Stdin      io.Reader
	Stdout     io.Writer
	Prompter   Prompter
	// Window is the customer window (a double-clicked app on a desktop):
	// prompts go there, it shows the session's state, and its buttons
	// pause, resume or stop sharing; closing it quits the app.
	Window ui.Window
	Logger *slog.Logger
	// OnView handles a technician's request to view (remote control); nil
	// refuses views.
	OnView func(ctx context.Context, v *wire.View, s *Support)
	// Rejoin marks a start by the logon entry after a reboot (`support
	// --rejoin`, B1). The rejoin itself follows the record in the state
	// dir (rejoin.go), so an app the customer starts by hand after the
	// reboot rejoins as well.
	Rejoin bool
	// Reboot restarts the computer (B1); nil is this OS's. Tests replace
	// it, and only it.
	Reboot RebootFunc
}

// Support is one running support app.
type Support struct {
	o         SupportOptions
	cfg       *embedcfg.Config
	rec       []byte
	state     *State
	key       ed25519.PrivateKey
	ownBinary bool // the binary carries the session: remove it at the end
	log       *slog.Logger
	// previous is this site's session the computer was bound to, until the
	// site accepted this one (checkPrevious).
	previous string

	techMu     sync.Mutex
	technician string  // the session's technician (welcome), named in questions
	cur        *ctrl   // the control channel while connected (chat goes there)
	lang       ui.Lang // the window's language

	controls customerControls
	// With a terminal, one reader takes the customer's commands and
	// consent answers (lines is nil otherwise).
	lines    *lineReader
	answerMu sync.Mutex
	answer   chan string
	cmdOnce  sync.Once
	outMu    sync.Mutex

	// Reboot and reconnect (support_reboot.go, rejoin.go): rejoin is the
	// pending rejoin of an app back from a reboot; rebooting is set in the
	// app that is restarting the computer (its end leaves the logon entry
	// in place); sharing records that the customer allowed a view, and
	// sharingUntil lets views in without asking after the restart.
	rejoinMu     sync.Mutex
	rejoin       *rejoinRecord
	rebootBusy   atomic.Bool // a Reboot is being handled
	rebooting    atomic.Bool
	unsentMu     sync.Mutex
	unsent       *wire.RebootStatus // an outcome the site has not heard yet
	sharing      atomic.Bool
	sharingUntil atomic.Int64
	// quit ends the app with a cause (window closed, reconnection
	// cancelled); set by run.
	quit context.CancelCauseFunc
}

// Config is the session config the app runs with.
func (s *Support) Config() *embedcfg.Config { return s.cfg }

// Options are the app's options (consent answers for remote control).
func (s *Support) Options() SupportOptions { return s.o }

// RunSupport runs the support app until the session ends (then the app
// removes itself) or ctx is cancelled (the customer quit: the session stays,
// A7). Refusals are *wire.Error values with the A9 code and text.
func RunSupport(ctx context.Context, o SupportOptions) error {
	s, err := newSupport(ctx, o)
	if err != nil {
		return err
	}
	return s.run(ctx)
}

func newSupport(ctx context.Context, o SupportOptions) (*Support, error) {
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	var lines *lineReader
	if o.Prompter == nil && o.Window != nil {
		o.Prompter = ui.Prompter{Window: o.Window}
	}
	if o.Prompter == nil {
		o.Prompter = DefaultPrompter(o.Stdin, o.Stdout)
		if tp, ok := o.Prompter.(*termPrompter); ok && isTerminal(o.Stdin) {
			lines = tp.in
		}
	}
	if o.OnView == nil {
		o.OnView = ServeView
	}
	s := &Support{o: o, log: o.Logger, lines: lines, lang: ui.DetectLang()}
	var err error
	if o.Site != "" {
		s.cfg, s.rec, err = fetchConfig(ctx, o.Site, o.Pin, o.Code)
	} else {
		s.cfg, s.rec, err = EmbeddedConfig(o.Executable)
		s.ownBinary = err == nil
	}
	if err != nil {
		return nil, err
	}
	if s.cfg.Kind != embedcfg.KindSupport {
		return nil, ErrNoSession
	}
	if s.state, err = ResolveState(o.StateDir); err != nil {
		return nil, err
	}
	if hostInstalled(s.state) {
		return nil, wire.Err(wire.HostInstalled)
	}
	if s.key, err = s.state.Identity(); err != nil {
		return nil, err
	}
	if err := s.checkPrevious(ctx); err != nil {
		return nil, err
	}
	s.loadRejoin()
	if s.previous != "" {
		return s, nil // saved once the site accepted the hello (bound)
	}
	return s, s.saveSession()
}

func (s *Support) saveSession() error {
	return s.state.SaveSession(&SessionRecord{SessionID: s.cfg.SessionID, Config: s.rec})
}

// checkPrevious applies A9 previous_session_open while this computer is
// bound to another session that is still live. For a session of the same
// site the site decides (it knows whose it is: only another technician's
// blocks), so the previous session goes into the hello; for another site's
// the app asks that site whether it still lives. An ended one is forgotten.
func (s *Support) checkPrevious(ctx context.Context) error {
	prev, err := s.state.Session()
	if err != nil || prev == nil || prev.SessionID == s.cfg.SessionID {
		return err
	}
	prevCfg, _, err := embedcfg.ParseRecord(prev.Config)
	if err != nil {
		return s.state.ForgetSession()
	}
	if prevCfg.SiteURL == s.cfg.SiteURL && bytes.Equal(prevCfg.SiteKey, s.cfg.SiteKey) {
		s.previous = prev.SessionID
		return nil
	}
	c, _, err := connect(ctx, prevCfg, s.hello(prev.Config), s.key)
	if err == nil {
		c.close()
	}
	switch wire.CodeOf(err) {
	case wire.SessionClosed, wire.SessionDeleted, wire.SessionExpired, wire.SessionInvalid:
		return s.state.ForgetSession()
	}
	return wire.Err(wire.PreviousSessionOpen)
}

func (s *Support) hello(config []byte) wire.Hello {
	return wire.Hello{Mode: wire.ModeSupport, Config: config, Host: collectHost(), PreviousSession: s.previous,
		Features: []string{wire.FeatureToolkit}, Rejoin: s.rejoinPending()}
}

func (s *Support) say(format string, args ...any) {
	if !s.o.Silent {
		s.outMu.Lock()
		defer s.outMu.Unlock()
		fmt.Fprintf(s.o.Stdout, format+"\n", args...)
	}
}

// run keeps the app connected, rejoining with jittered backoff.
func (s *Support) run(ctx context.Context) error {
	ctx, s.quit = context.WithCancelCause(ctx)
	defer s.quit(nil)
	if s.o.Window != nil {
		go s.watchWindow(ctx, func() { s.quit(errCustomerQuit) })
	}
	bo := backoff.New(time.Second, 30*time.Second)
	s.say("Tether remote support — session %s with %s", wire.FormatSessionCode(s.cfg.SessionCode), s.cfg.SiteURL)
	if s.rejoinPending() {
		s.say("Your computer has restarted. Reconnecting to your support session…")
		s.setState(ui.PhaseReconnecting, s.question(ui.KeyRejoining))
	}
	lost := false // told the customer about an interruption, not yet back
	for {
		start := time.Now()
		err := s.connectOnce(ctx)
		if ctx.Err() != nil {
			s.closed(context.Cause(ctx))
			return nil
		}
		if code := wire.CodeOf(err); code != "" && code != wire.TooManyRequests && code != wire.Internal {
			if endsSession(code) {
				s.removeSelf()
			}
			s.setState(ui.PhaseEnded, err.Error())
			return err
		}
		if errors.Is(err, ErrPinMismatch) || errors.Is(err, errSiteProof) {
			s.log.Error("site identity check failed", "err", err)
		}
		var moved reconnectLater
		if errors.As(err, &moved) {
			// The site is draining: no news for the customer, whose
			// session goes on at the next site.
			bo.Reset()
			wait := moved.wait()
			s.log.Info("the site is draining; reconnecting", "in", wait.Round(time.Millisecond))
			if sleep(ctx, wait) != nil {
				return nil
			}
			continue
		}
		if time.Since(start) > time.Minute { // it was back meanwhile
			bo.Reset()
			lost = false
		}
		// The customer reads this; the cause is for the log.
		s.log.Info("connection to the site lost; reconnecting", "err", err)
		if !lost {
			s.say("The connection to your technician's site was interrupted. Reconnecting…")
			s.setState(ui.PhaseReconnecting, "")
		}
		lost = true
		if err := bo.Wait(ctx); err != nil {
			return nil
		}
	}
}

// closed says why the app ends without the session ending (A7). The
// customer closing it before it rejoined after a restart cancels the
// reconnection: the logon entry goes too. The OS stopping it (a restart
// under way, a logoff) leaves the entry for the next logon.
func (s *Support) closed(cause error) {
	if errors.Is(cause, errCustomerQuit) && s.rejoinPending() && !s.rebooting.Load() {
		s.takeRejoin()
		cause = errReconnectCancelled
	}
	if errors.Is(cause, errReconnectCancelled) {
		s.say("Reconnection cancelled. Run the support app again to continue the session.")
		s.setState(ui.PhaseEnded, s.question(ui.KeyReconnectCancelled))
		return
	}
	s.say("Support app closed. The session stays open; run the app again to reconnect.")
}

// endsSession lists the refusals after which the app has nothing left to do
// on this computer and removes itself (A5).
func endsSession(c wire.Code) bool {
	switch c {
	case wire.SessionClosed, wire.SessionDeleted, wire.SessionExpired, wire.SessionInvalid:
		return true
	}
	return false
}

// removeSelf deletes the state, a logon entry left for a rejoin and, for
// a downloaded app, the binary.
func (s *Support) removeSelf() {
	if err := s.disarmRejoin(); err != nil {
		s.log.Warn("remove the rejoin entry", "err", err)
	}
	if err := s.state.RemoveAll(); err != nil {
		s.log.Warn("remove state", "err", err)
	}
	if s.ownBinary && s.o.Executable != "" {
		if err := removeBinary(s.o.Executable); err != nil {
			s.log.Warn("remove binary", "err", err)
		}
	}
}
