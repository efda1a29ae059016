package site_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
)

// TestDisabledTechnicianLosesOpenView: disabling a technician ends the
// view they already had open (its stream outlives the request that the
// site refused since), with a reason the viewer shows.
func TestDisabledTechnicianLosesOpenView(t *testing.T) {
	s := sitetest.Start(t, nil)
	sess := fakeViewedApp(t, s)
	viewer := startViewer(t, s, sess.ID)
	defer viewer.CloseNow()
	readFrames(t, viewer, 3)
	s.Server.Reap(t.Context()) // a check while enabled changes nothing
	readFrames(t, viewer, 1)

	if err := site.SetUserDisabled(t.Context(), s.DB(), "tech", true); err != nil {
		t.Fatal(err)
	}
	s.Server.Reap(t.Context()) // as the site does every 10 s
	rctx, rcancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer rcancel()
	for {
		_, _, err := viewer.Read(rctx)
		if err == nil {
			continue
		}
		if websocket.CloseStatus(err) != websocket.StatusPolicyViolation || !strings.Contains(err.Error(), "account was disabled") {
			t.Fatalf("the view after disabling its technician: %v", err)
		}
		break
	}
	admin := s.AddTechnician("boss", true)
	sitetest.WaitFor(t, "the session no longer connected", func() bool {
		var g struct{ Status string }
		s.Do(admin, "GET", "/api/v1/sessions/"+sess.ID, nil, &g)
		return g.Status == "activated"
	})
}
