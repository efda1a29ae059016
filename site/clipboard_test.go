package site_test

import (
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
)

// TestClipboardRightAfterFirstFrame: the console opens the clipboard
// stream as soon as the first screen arrives, so by then the site must
// count the view (a race CI hit: the first frame was passed on before the
// view was counted, and the clipboard was refused with "Connect to the
// screen first").
func TestClipboardRightAfterFirstFrame(t *testing.T) {
	// Slow the relay down right after the first frame, where the view
	// used to be counted.
	defer site.SetAfterFirstMessage(func() { time.Sleep(200 * time.Millisecond) })()
	s := sitetest.Start(t, nil)
	sess := fakeViewedApp(t, s)
	for try := range 8 { // the view-password bucket allows 10 at once
		viewer := startViewer(t, s, sess.ID)
		readFrames(t, viewer, 1)
		var grant struct{ Stream, Token string }
		if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+sess.ID+"/clipboard", nil, &grant); st != 201 || grant.Stream == "" {
			t.Fatalf("try %d: the clipboard right after the first frame: %d", try, st)
		}
		viewer.CloseNow()
		sitetest.WaitFor(t, "the view ended", func() bool { return s.Get(sess.ID).Status == "activated" })
	}
}
