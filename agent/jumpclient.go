package agent

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/installer"
	"github.com/tetherhq/tether/internal/backoff"
	"github.com/tetherhq/tether/wire"
)

// maxReconnectWait caps a jump client's reconnect backoff.
const maxReconnectWait = time.Minute

// JumpOptions configure the persistent agent (SPEC C).
type JumpOptions struct {
	StateDir   string
	Executable string // carries the installer config; its dir holds the install record
	Logger     *slog.Logger
	// ViewHelper, when set, serves each view in another process; a
	// Windows service always does (a helper in the console session).
	ViewHelper func(ctx context.Context, job ViewHelperJob) error
	// Reboot restarts the computer (B1); nil is this OS's. Tests replace
	// it, and only it.
	Reboot RebootFunc
	// SafeMode sets and clears Safe Mode with networking (B2); nil is
	// this OS's (Windows only). Tests give one with fake tools.
	SafeMode *SafeMode
}

// enrolment is what a jump client keeps after enrolling.
type enrolment struct {
	ID string `json:"id"`
}

// RunJumpClient keeps an installed jump client connected to its site: it
// enrols on first start (within the installer's validity), then rejoins
// with its identity. It returns when the site removed it (jc_not_found) or
// refuses the installer, or when ctx ends.
func RunJumpClient(ctx context.Context, o JumpOptions) error {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	cfg, rec, err := EmbeddedConfig(o.Executable)
	if err != nil {
		return err
	}
	if cfg.Kind != embedcfg.KindInstaller {
		return errors.New("this binary is not a jump client: it carries no installer config")
	}
	st, err := ResolveState(o.StateDir)
	if err != nil {
		return err
	}
	if err := st.pinSiteKey(cfg.SiteKey); err != nil {
		return err
	}
	key, err := st.Identity()
	if err != nil {
		return err
	}
	j := &jumpClient{o: o, cfg: cfg, rec: rec, st: st, log: o.Logger}
	j.rebooted = j.backFromReboot(ctx) // before anything else: Safe Mode is cleared even offline
	j.hello = wire.Hello{Mode: wire.AgentMode(cmp.Or(cfg.Mode, string(wire.ModeService))), Config: rec,
		Features: []string{wire.FeatureToolkit}}
	if canChatWindow() {
		j.hello.Features = append(j.hello.Features, wire.FeatureChatWindow)
	}
	if r, err := installer.ReadRecord(filepath.Dir(o.Executable)); err == nil {
		j.hello.Enroll = &wire.Enroll{Name: r.Name, JumpGroup: r.JumpGroup, Tag: r.Tag, Comments: r.Comments, Mode: string(r.Mode)}
	}
	// Capped at a minute (full jitter below it), so that every client is
	// back within a minute of a site outage ending.
	bo := backoff.New(time.Second, maxReconnectWait)
	for {
		start := time.Now()
		err := j.connectOnce(ctx, key)
		if ctx.Err() != nil {
			return nil
		}
		var later checkInLater
		if errors.As(err, &later) {
			bo.Reset()
			if sleep(ctx, later.wait()) != nil {
				return nil
			}
			continue
		}
		var moved reconnectLater
		if errors.As(err, &moved) {
			bo.Reset()
			wait := moved.wait()
			j.log.Info("the site is draining; reconnecting", "in", wait.Round(time.Millisecond))
			if sleep(ctx, wait) != nil {
				return nil
			}
			continue
		}
		var signed siteRefusal
		if wire.CodeOf(err) == wire.JCNotFound && errors.As(err, &signed) {
			// Removed while offline, or after 180 days offline (C8).
			j.uninstallSelf(ctx)
		}
		switch wire.CodeOf(err) {
		case wire.JCNotFound, wire.InstallerExpired, wire.InstallerInvalid, wire.JCLimitTotal, wire.JCLimitActive,
			wire.Forbidden, wire.BadRequest: // the site refuses this client (or its enrolment) for good
			return err
		}
		if time.Since(start) > time.Minute {
			bo.Reset()
		}
		j.log.Warn("connection to site lost; reconnecting", "err", err)
		if bo.Wait(ctx) != nil {
			return nil
		}
	}
}

type jumpClient struct {
	o        JumpOptions
	cfg      *embedcfg.Config
	rec      []byte
	st       *State
	hello    wire.Hello
	log      *slog.Logger
	controls customerControls
	user     jumpUser
	// rebooted is the marker of a reboot the site asked for, until the
	// site has taken the client back; rebootBusy is set while a Reboot is
	// handled (jump_reboot.go).
	rebooted   *jumpRebootMarker
	rebootBusy atomic.Bool
}

// serveView streams the screen for a jump: unattended, or after the
// logged-in user allowed it, by site policy (D2). Without a display the
// viewer is told so.
func (j *jumpClient) serveView(ctx context.Context, v *wire.View) {
	log := j.log.With("stream", v.Stream)
	// The site's consent policy first, whoever serves the view (D2). A
	// service in session 0 shows no window to the user: the prompt then
	// takes the policy's default answer.
	if v.Consent != nil && v.Consent.Mode == wire.ConsentPrompt {
		key := ui.KeyAskView
		if v.Control {
			key = ui.KeyAskControl
		}
		if !j.allow(ctx, v.Consent, j.question(key, v.Consent.Technician)) {
			log.Info("view: denied by the logged-in user or the policy's default answer")
			if conn, err := Dial(ctx, j.cfg.SiteURL, j.cfg.CertPin, streamPath(v)); err == nil {
				conn.Close(websocket.StatusPolicyViolation, "The user denied screen sharing.")
			}
			return
		}
	}
	helper := j.o.ViewHelper
	if helper == nil {
		helper = sessionViewHelper(j.o.Executable, filepath.Join(j.o.StateDir, viewHelperLog))
	}
	if helper != nil {
		job := ViewHelperJob{SiteURL: j.cfg.SiteURL, CertPin: j.cfg.CertPin, View: *v}
		if err := helper(ctx, job); err != nil {
			j.log.Warn("view: the helper could not serve it; the viewer is told there is no display", "err", err)
			j.noDisplay(ctx, v)
		}
		return
	}
	conn, err := Dial(ctx, j.cfg.SiteURL, j.cfg.CertPin, streamPath(v))
	if err != nil {
		log.Warn("view: connect", "err", err)
		return
	}
	defer conn.CloseNow()
	if err := runStream(ctx, conn, v.Control, &j.controls, log); err != nil && ctx.Err() == nil {
		log.Info("view ended", "err", err)
	}
}

// noDisplay tells the viewer of v that there is no screen to show.
func (j *jumpClient) noDisplay(ctx context.Context, v *wire.View) {
	conn, err := Dial(ctx, j.cfg.SiteURL, j.cfg.CertPin, streamPath(v))
	if err != nil {
		return
	}
	defer conn.CloseNow()
	sayNoDisplay(ctx, conn)
}

// enrolledID is the jump client ID saved at enrolment ("" before).
func (st *State) enrolledID() string {
	b, err := os.ReadFile(st.path(JumpClientFile))
	if err != nil {
		return ""
	}
	var e enrolment
	json.Unmarshal(b, &e)
	return e.ID
}

func (j *jumpClient) connectOnce(ctx context.Context, key ed25519.PrivateKey) (err error) {
	h := j.hello
	h.Host = collectHost()
	h.Disabled = Disabled(j.st.Dir)
	h.Rejoin = j.rebooted != nil
	if h.JumpClientID = j.st.enrolledID(); h.JumpClientID != "" {
		h.Enroll = nil
	}
	c, w, err := connect(ctx, j.cfg, h, key)
	if err != nil {
		return err
	}
	defer c.close()
	if h.JumpClientID == "" {
		b, _ := json.Marshal(enrolment{ID: w.JumpClientID})
		if err := writeSecret(j.st.path(JumpClientFile), b); err != nil {
			return fmt.Errorf("save enrolment: %w", err)
		}
		j.log.Info("enrolled", "jump_client", w.JumpClientID)
	}
	if w.CheckIn > 0 { // passive (C9): statistics are in; come back later
		c.conn.Close(websocket.StatusNormalClosure, "")
		return checkInLater(w.CheckIn)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	views := newViews(ctx)
	defer func() { views.end(err) }()
	go c.keepAlive(cctx, w.Heartbeat, w.Beats)
	go j.watchLocal(cctx, c, h.Disabled, h.Host.HasDisplay)
	j.setCtrl(c)
	defer j.setCtrl(nil)
	report := func(session string) func(wire.RebootEvent, string) {
		return func(ev wire.RebootEvent, detail string) {
			if err := c.send(cctx, wire.RebootStatus{Session: session, Event: ev, Detail: detail}); err != nil {
				j.log.Warn("reboot: report to the site", "event", ev, "err", err)
			}
		}
	}
	if mark := j.rebooted; mark != nil { // back from a reboot, and taken back
		j.rebooted = nil
		j.reportBack(mark, report(mark.Session))
	}
	for {
		m, err := c.recv(cctx)
		if err != nil {
			return err
		}
		switch m := m.(type) {
		case *wire.End:
			if m.Uninstall {
				j.uninstallSelf(ctx)
			}
			return wire.Err(m.Code)
		case *wire.View:
			views.start(func(ctx context.Context) { j.serveView(ctx, m) })
		case *wire.Open:
			views.start(func(ctx context.Context) { serveOpen(ctx, j, m) })
		case *wire.Chat:
			go j.showChat(cctx, m)
		case *wire.Update:
			j.startUpdate(cctx, c, m) // C12; in the background, once per connection
		case *wire.Sleep:
			c.conn.Close(websocket.StatusNormalClosure, "")
			return checkInLater(m.CheckIn)
		case *wire.Reconnect:
			c.conn.Close(websocket.StatusNormalClosure, "")
			return reconnectLater(m.After)
		case *wire.Reboot:
			go j.reboot(cctx, m, report(m.Session))
		}
	}
}

// disabledFile marks a jump client the local user disabled (C9).
const disabledFile = "disabled"

// Disabled reports whether the local user disabled the jump client whose
// state is in dir.
func Disabled(stateDir string) bool {
	_, err := os.Stat(filepath.Join(stateDir, disabledFile))
	return err == nil
}

// SetDisabled lets the local user disable or re-enable the jump client
// (`tether service disable|enable`); a running client tells the site
// within a few seconds and the site refuses jumps meanwhile (jc_disabled).
func SetDisabled(stateDir string, disabled bool) error {
	p := filepath.Join(stateDir, disabledFile)
	if !disabled {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	return os.WriteFile(p, nil, 0o644)
}

// watchLocal reports changes on this computer to the site: the local
// disable switch (checked every 2 s) and whether a graphical session is
// there (logon, logoff; every 10 s).
func (j *jumpClient) watchLocal(ctx context.Context, c *ctrl, disabled, display bool) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for tick := 1; ; tick++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		nowDisabled := Disabled(j.st.Dir)
		var host *wire.HostInfo
		if tick%5 == 0 {
			h := collectHost()
			host = &h
		}
		if nowDisabled == disabled && (host == nil || host.HasDisplay == display) {
			continue
		}
		if host == nil {
			h := collectHost()
			host = &h
		}
		disabled, display = nowDisabled, host.HasDisplay
		c.send(ctx, wire.HostUpdate{Host: *host, Disabled: disabled})
	}
}
