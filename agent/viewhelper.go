package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os/exec"

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
	cmd := exec.CommandContext(ctx, exe, "service", "view-helper")
	cmd.Stdin = bytes.NewReader(b)
	hideWindow(cmd)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("view helper: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

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
	conn, err := Dial(ctx, job.SiteURL, job.CertPin, streamPath(&job.View))
	if err != nil {
		return fmt.Errorf("view helper: %w", err)
	}
	defer conn.CloseNow()
	var cc customerControls
	if err := runStream(ctx, conn, job.View.Control, &cc, log); err != nil && ctx.Err() == nil {
		log.Info("view ended", "err", err)
	}
	return nil
}
