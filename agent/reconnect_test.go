package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/testdir"
	"github.com/tetherhq/tether/site"
)

// codePrompter answers the security-code prompt with the code once the
// test says so; asked counts the prompts.
type codePrompter struct {
	code  string
	asked chan struct{}
	give  chan struct{}
}

func (p *codePrompter) SecurityCode(ctx context.Context, note string) (string, error) {
	p.asked <- struct{}{}
	select {
	case <-p.give:
		return p.code, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (p *codePrompter) Confirm(context.Context, string) (bool, error) { return false, nil }

// A support app whose site drains while the customer is typing the
// security code reconnects to the restarted site, and the code typed
// meanwhile still activates the session (asked again if the drained site
// did not take it).
func TestReconnectWhileAskingTheCode(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.ReconnectWithin = 200 * time.Millisecond })
	ss := s.CreateSession(nil)
	exe := download(t, s, ss.Code)
	p := &codePrompter{code: ss.SecurityCode, asked: make(chan struct{}, 4), give: make(chan struct{})}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- agent.RunSupport(ctx, agent.SupportOptions{Executable: exe, StateDir: testdir.New(t), Prompter: p,
			Stdin: strings.NewReader("")})
	}()
	<-p.asked
	s.Server.Drain()
	<-s.Served
	s.Restart()
	close(p.give) // the customer finishes typing
	sitetest.WaitFor(t, "activated at the restarted site", func() bool {
		g := s.Get(ss.ID)
		return g.Status == "activated" && g.Online
	})
	select {
	case err := <-done:
		t.Fatalf("the app ended: %v", err)
	default:
	}
}
