package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"time"

	"github.com/tetherhq/tether/wire"
)

// A Windows service runs in session 0, which has no desktop a user sees:
// it cannot capture the user's screen or inject their input. For each view
// the service starts a helper — this same program, `tether service
// view-helper` — in the active console session (viewhelper_windows.go),
// and the helper dials the view's stream and serves it there. The view's
// one-time token reaches the helper on its stdin, never on its command
// line.

// ViewHelperJob is what a jump client hands a view helper.
type ViewHelperJob struct {
	SiteURL string    `json:"site_url"`
	CertPin string    `json:"cert_pin"`
	View    wire.View `json:"view"`
	// SASEvent is, for a helper started by a Windows service, the handle
	// of an event it inherited: setting it asks the service for the
	// secure attention sequence (Ctrl+Alt+Del), which only a service may
	// raise.
	SASEvent uint64 `json:"sas_event,omitempty"`
}

// StartViewHelper serves job with `exe service view-helper` in a child
// process of this one (same user, same session), the job on its stdin. A
// Windows service uses serveViewInSession instead, to reach the user's
// session; tests use this to run the real hand-over.
func StartViewHelper(ctx context.Context, exe string, job ViewHelperJob) error {
	b, err := json.Marshal(job)
	if err != nil {
		return err
	}
	return withHelperRetries(ctx, func() error {
		cmd := exec.CommandContext(ctx, exe, "service", "view-helper")
		cmd.Stdin = bytes.NewReader(b)
		hideWindow(cmd)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == HelperNoDisplayExit {
			return fmt.Errorf("%w: %s", ErrHelperNoDisplay, bytes.TrimSpace(out))
		}
		if err != nil {
			return fmt.Errorf("view helper: %w: %s", err, bytes.TrimSpace(out))
		}
		return nil
	})
}

// withHelperRetries runs helpers one after another while each finds no
// screen, at most helperAttempts; the last error is the view's.
func withHelperRetries(ctx context.Context, run func() error) error {
	var err error
	for range helperAttempts {
		if err = run(); !errors.Is(err, ErrHelperNoDisplay) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(helperRetryDelay):
		}
	}
	return err
}

// viewHelperLog is where a service's view helpers log (in the state dir,
// beside the service's own log): the helper has no console and the
// service cannot see its stderr otherwise.
const viewHelperLog = "view-helper.log"

// maxViewHelperJob bounds what the helper reads from its stdin.
const maxViewHelperJob = 64 << 10

// ServeViewHelper is the helper's side (`tether service view-helper`): it
// reads the job from in, dials the stream and serves the view in this
// process's session until the view or ctx ends.
func ServeViewHelper(ctx context.Context, in io.Reader, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var job ViewHelperJob
	if err := json.NewDecoder(io.LimitReader(in, maxViewHelperJob)).Decode(&job); err != nil {
		return fmt.Errorf("view helper: read the job: %w", err)
	}
	if job.SiteURL == "" || job.View.Stream == "" || len(job.View.Token) == 0 {
		return fmt.Errorf("view helper: incomplete job")
	}
	log = log.With("stream", job.View.Stream)
	useServiceSAS(job.SASEvent)
	if err := joinInteractiveStation(); err != nil {
		log.Warn("view helper: not on the interactive window station", "err", err)
	}
	// The screen first: a helper that cannot capture leaves the stream
	// alone, so the service may start another (ErrHelperNoDisplay).
	sess, cap, err := openScreen(log)
	if err != nil {
		log.Warn("view helper: no screen", "err", err)
		return fmt.Errorf("%w: %w", ErrHelperNoDisplay, err)
	}
	conn, err := Dial(ctx, job.SiteURL, job.CertPin, streamPath(&job.View))
	if err != nil {
		cap.Close()
		return fmt.Errorf("view helper: %w", err)
	}
	defer conn.CloseNow()
	var cc customerControls
	if err := streamScreen(ctx, conn, job.View.Control, &cc, log, sess, cap); err != nil && ctx.Err() == nil {
		log.Info("view ended", "err", err)
	}
	return nil
}

// ErrHelperNoDisplay is a view helper's "no screen here": the command exits
// with HelperNoDisplayExit and its service may try a fresh helper — the
// console session may be switching, and Wine sometimes starts a process
// without its display driver.
var ErrHelperNoDisplay = errors.New("view helper: no screen to capture in this session")

// HelperNoDisplayExit is the view helper's exit status for ErrHelperNoDisplay.
const HelperNoDisplayExit = 3

// helperAttempts is how many helpers a view gets before the viewer is told
// there is no display; helperRetryDelay is the pause between them.
const (
	helperAttempts   = 5
	helperRetryDelay = 300 * time.Millisecond
)
