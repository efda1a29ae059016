package agent_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/syncbuf"
	"github.com/tetherhq/tether/internal/testdir"
	"github.com/tetherhq/tether/site"
)

// customer answers consent questions the way a person at the dialog would:
// each question waits for the test to hand over an answer.
type customer struct {
	asked   chan string
	answers chan bool
}

func (c *customer) SecurityCode(context.Context, string) (string, error) { return "", context.Canceled }

func (c *customer) Confirm(ctx context.Context, q string) (bool, error) {
	c.asked <- q
	select {
	case a := <-c.answers:
		return a, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

type pinStatus struct {
	Pin *struct {
		Status       string `json:"status"`
		JumpClientID string `json:"jump_client_id"`
	} `json:"pin"`
}

// TestPinDenied covers the first half of C2 with its C11 errors: no
// customer, the customer is asked and may deny, one request at a time.
// (Allowing installs the real agent: e2e.TestPinAsJumpClient.)
func TestPinDenied(t *testing.T) {
	s := sitetest.Start(t, nil)
	pin := func(id string, out any) int {
		return s.Do(s.Token, "POST", "/api/v1/sessions/"+id+"/pin",
			map[string]any{"name": "Reception PC", "tag": "front-desk", "comments": "pinned in a test"}, out)
	}
	var eb sitetest.ErrorBody
	idle := s.CreateSession(nil)
	if pin(idle.ID, &eb) != 409 || eb.Error.Code != "no_customer" {
		t.Fatalf("pin without a customer: %+v", eb)
	}
	s.Do(s.Token, "DELETE", "/api/v1/sessions/"+idle.ID, nil, nil)

	ss := s.CreateSession(nil)
	exe := download(t, s, ss.Code)
	out := &syncbuf.Buffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("support app output:\n%s", out)
		}
	})
	cust := &customer{asked: make(chan string, 1), answers: make(chan bool)}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- agent.RunSupport(ctx, agent.SupportOptions{Executable: exe, StateDir: testdir.New(t),
			SecurityCode: ss.SecurityCode, Stdin: strings.NewReader(""), Stdout: out, Prompter: cust, Logger: slog.New(slog.NewTextHandler(out, nil))})
	}()
	waitStatus(t, s, ss.ID, "activated", true)

	if st := pin(ss.ID, nil); st != 202 {
		t.Fatalf("pin: %d", st)
	}
	if q := <-cust.asked; !strings.Contains(q, "Reception PC") || !strings.Contains(q, "tech") {
		t.Fatalf("question: %q", q)
	}
	if pin(ss.ID, &eb) != 409 || eb.Error.Code != "pin_pending" {
		t.Fatalf("second pin while the customer decides: %+v", eb)
	}
	cust.answers <- false
	var st pinStatus
	sitetest.WaitFor(t, "pin denied", func() bool {
		s.Do(s.Token, "GET", "/api/v1/sessions/"+ss.ID, nil, &st)
		return st.Pin != nil && st.Pin.Status == "denied"
	})
	if l := listJump(s, s.Token); len(l.Items) != 0 {
		t.Fatalf("denied pin enrolled: %+v", l.Items)
	}

}

// TestPinCustomerOffline: a customer who activated but is not connected
// right now cannot be pinned.
func TestPinCustomerOffline(t *testing.T) {
	s := sitetest.Start(t, nil)
	ss, _, _, a := activeApp(t, s)
	a.cancel()
	a.wait()
	waitStatus(t, s, ss.ID, "activated", false)
	var eb sitetest.ErrorBody
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/pin", map[string]any{}, &eb); st != 409 || eb.Error.Code != "customer_offline" {
		t.Fatalf("pin an offline customer: %d %+v", st, eb)
	}
}

// TestPinPastActiveLimit: pinning makes one more active jump client, so
// past --jc-limit-active it is refused with jc_limit_active (C11) before the
// customer is asked; a passive pin is still possible.
func TestPinPastActiveLimit(t *testing.T) {
	s := sitetest.Start(t, func(o *site.Options) { o.JCLimitActive = 1 })
	_, stop := startJumpClient(t, s, installerBinary(t, s, "1h"), testdir.New(t))
	defer stop()
	ss, _, _, a := activeApp(t, s)
	defer a.cancel()
	var eb sitetest.ErrorBody
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/pin", map[string]any{}, &eb); st != 409 ||
		eb.Error.Code != "jc_limit_active" || eb.Error.Message != "The total number of active Jump Clients for this site has been reached." {
		t.Fatalf("pin past the active limit: %d %+v", st, eb)
	}
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/pin", map[string]any{"passive": true}, &eb); st != 202 {
		t.Fatalf("passive pin under the limit: %d %+v", st, eb)
	}
}
