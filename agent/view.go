package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent/desktop"
	"github.com/tetherhq/tether/capture"
	"github.com/tetherhq/tether/input"
	"github.com/tetherhq/tether/stream"
	"github.com/tetherhq/tether/wire"
)

// ServeView is the support app's answer to a technician's view request: it
// asks the customer for consent (D2) unless --allow-control answered it,
// then streams the screen and injects input over a stream WebSocket that
// the site relays to the viewer without decoding it.
func ServeView(ctx context.Context, v *wire.View, s *Support) {
	log := s.log.With("stream", v.Stream)
	// The site may pre-allow viewing (D2 policy); control is always asked.
	preallowed := v.Consent != nil && v.Consent.Mode == wire.ConsentViewPreallowed && !v.Control
	allowed := s.o.AllowControl || preallowed || s.sharingResumed() || s.confirm(ctx, s.askControl(v.Control))
	if allowed {
		s.sharing.Store(true) // sharing resumes as it was after a reboot (B3)
	}
	conn, err := Dial(ctx, s.cfg.SiteURL, s.cfg.CertPin, streamPath(v))
	if err != nil {
		log.Warn("view: connect", "err", err)
		return
	}
	defer conn.CloseNow()
	if !allowed {
		s.say("Screen sharing denied.")
		conn.Close(websocket.StatusPolicyViolation, "The customer denied screen sharing.")
		return
	}
	if s.lines != nil {
		s.say("%s", customerHelp)
	}
	if err := runStream(ctx, conn, v.Control, &s.controls, log); err != nil && ctx.Err() == nil {
		log.Info("view ended", "err", err)
	}
	s.say("The technician's view has ended.")
}

func runStream(ctx context.Context, conn *websocket.Conn, control bool, cc *customerControls, log *slog.Logger) error {
	sess, cap, err := openScreen(log)
	if err != nil {
		sayNoDisplay(ctx, conn)
		return err
	}
	return streamScreen(ctx, conn, control, cc, log, sess, cap)
}

// openScreen finds the desktop session and opens its capture, afresh for
// every view: the user may have logged on or off.
func openScreen(log *slog.Logger) (*desktop.Session, capture.Capturer, error) {
	sess, err := desktop.Find()
	if err != nil {
		return nil, nil, fmt.Errorf("capture: %w", err)
	}
	cap, err := capture.Open(capture.WithLogger(log), capture.WithX11Display(sess.Display), capture.WithXAuthority(sess.XAuthority))
	if err != nil {
		return nil, nil, fmt.Errorf("capture: %w", err)
	}
	return sess, cap, nil
}

// streamScreen serves the view on conn from cap, and closes cap.
func streamScreen(ctx context.Context, conn *websocket.Conn, control bool, cc *customerControls, log *slog.Logger,
	sess *desktop.Session, cap capture.Capturer) error {
	defer cap.Close()
	log.Info("view: streaming", "display", sess.Display, "session_user", sess.User, "found_by", sess.Source)
	var in stream.Input
	if control {
		if inj, err := input.Open(input.WithLogger(log), input.WithX11Display(sess.Display), input.WithXAuthority(sess.XAuthority)); err != nil {
			log.Warn("input unavailable: view only", "err", err)
		} else {
			defer inj.Close()
			in = &injector{Injector: inj}
		}
	}
	conn.SetReadLimit(64 << 10)
	sender, err := stream.NewSender(stream.SenderConfig{
		Source: cap, Differ: capture.NewDiffer(0), Input: in, Control: in != nil, Display: -1, Logger: log,
		Write: func(ctx context.Context, b []byte) error { return conn.Write(ctx, websocket.MessageBinary, b) },
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cc.add(sender, cancel)
	defer cc.remove(sender)
	go func() {
		defer cancel()
		for {
			typ, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			// VIEW-PROTOCOL: decoders are strict and the receiver closes
			// the stream on anything malformed.
			if typ != websocket.MessageBinary {
				conn.Close(websocket.StatusUnsupportedData, "view protocol: binary messages only")
				return
			}
			if err := sender.HandleMessage(b); err != nil {
				log.Warn("malformed viewer message; closing the view", "err", err)
				conn.Close(websocket.StatusProtocolError, truncateReason("view protocol: "+err.Error()))
				return
			}
		}
	}()
	return sender.Run(ctx)
}

// sayNoDisplay tells the viewer there is no screen to show and ends the
// view (VIEW-PROTOCOL state bit 2).
func sayNoDisplay(ctx context.Context, conn *websocket.Conn) {
	conn.Write(ctx, websocket.MessageBinary, (stream.State{NoDisplay: true}).Append(nil))
	conn.Close(websocket.StatusNormalClosure, "no display")
}

// truncateReason fits a close reason into a WebSocket close frame (123
// bytes), cutting at a character boundary.
func truncateReason(s string) string {
	for len(s) > 123 {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

// injector adapts package input to the stream's Input (stream numbers
// buttons like the DOM, input like X11). The viewer's Ctrl+Alt+Del chord
// is the input package's to turn into the secure attention sequence where
// this process may raise it (agent/sas_windows.go).
type injector struct {
	input.Injector
}

func (j *injector) MouseButton(b stream.Button, down bool) error {
	ib, ok := input.ButtonFromDOM(int(b))
	if !ok {
		return fmt.Errorf("unknown button %d", b)
	}
	return j.Injector.MouseButton(ib, down)
}

// streamPath is where the agent dials its side of a view.
func streamPath(v *wire.View) string {
	return "/agent/v1/stream/" + url.PathEscape(v.Stream) + "?token=" + url.QueryEscape(string(v.Token))
}
