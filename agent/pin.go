package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/installer"
	"github.com/tetherhq/tether/wire"
)

// confirm asks the customer a yes/no question: on the terminal when the
// app has one, else with the prompter's dialog.
func (s *Support) confirm(ctx context.Context, q string) bool {
	if s.lines != nil {
		return s.terminalConfirm(ctx, q)
	}
	ok, err := s.o.Prompter.Confirm(ctx, q)
	return err == nil && ok
}

// answerPin asks the customer whether the technician may keep access to
// this computer as a jump client (C2) unless --allow-pin answered it.
func (s *Support) answerPin(ctx context.Context, c *ctrl, m *wire.PinRequest) {
	allow := s.o.AllowPin
	if !allow && !s.o.Silent {
		allow = s.confirm(ctx, s.question(ui.KeyAskPin, m.Technician, m.Name))
	}
	if !allow {
		s.say("Pin request denied.")
	}
	if err := c.send(ctx, wire.PinAnswer{Allow: allow}); err != nil {
		s.log.Warn("pin answer", "err", err)
	}
}

// installPinned installs this program as the pinned jump client: a copy of
// the binary carrying the signed single-use installer config, installed in
// user mode (a service when running as root) and started.
func (s *Support) installPinned(ctx context.Context, p *wire.Pinned) {
	res, err := s.pinInstall(ctx, p.Config)
	if err != nil {
		s.log.Error("pin: install jump client", "err", err)
		s.say("Could not install the Jump Client: %v", err)
		return
	}
	s.say("Jump Client installed in %s.", res.Record.Dir)
}

func (s *Support) pinInstall(ctx context.Context, record []byte) (*installer.Result, error) {
	cfg, err := embedcfg.Verify(record, s.cfg.SiteKey) // only our own site may pin us
	if err != nil || cfg.Kind != embedcfg.KindInstaller {
		return nil, fmt.Errorf("pin config not signed by this site: %w", err)
	}
	self, err := os.ReadFile(s.o.Executable)
	if err != nil {
		return nil, fmt.Errorf("read own program: %w", err)
	}
	// The pin's record in place of the session's turns this support app
	// into that jump client's program; its signature covers this program.
	prog, err := embedcfg.Restamp(self, record)
	if err == nil {
		_, _, err = embedcfg.Parse(prog)
	}
	if err != nil {
		return nil, fmt.Errorf("this support app cannot become a jump client (it must be the site's download): %w", err)
	}
	dir, err := os.MkdirTemp("", "tether-pin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, installer.BinaryName(runtime.GOOS))
	if err := os.WriteFile(bin, prog, 0o700); err != nil {
		return nil, fmt.Errorf("write jump client program: %w", err)
	}
	opts := installer.Options{Mode: installer.ModeUser, Silent: true}
	if runtime.GOOS != "windows" && os.Geteuid() == 0 {
		opts.Mode = installer.ModeService
	}
	opts.ApplyConfig(cfg)
	return installer.Install(ctx, opts, bin)
}
