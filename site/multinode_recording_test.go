//go:build unix

package site_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/internal/clustertest"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site/recording"
)

// supportConnected reports whether node n holds a support app's control
// channel.
func supportConnected(t *testing.T, n *clustertest.Node) bool {
	m := metricsText(t, n.Site)
	return positive(m, `tether_agents_connected{kind="support",path="idle"}`) ||
		positive(m, `tether_agents_connected{kind="support",path="active"}`)
}

// recordedView opens a view of session id through node n, sends it a
// frame and note, and closes it.
func recordedView(t *testing.T, n *clustertest.Node, id, note string) {
	t.Helper()
	conn := openView(t, n.Site, n.Site, id)
	drive(t, conn, "frame")
	drive(t, conn, note)
	conn.Close(websocket.StatusNormalClosure, "")
}

// A session's agent moves from node A to node B (its link to A drops and
// it reconnects through the balancer, as after a drain), so its first
// view is recorded on A and its second on B. The recording asked for at
// A, B or C is both parts, merged into one file in time order; the session
// view says so. A node that holds a part and does not answer holds the
// download up for recordingProbeTimeout only, and the download says which
// node is missing, in a header and in the audit.
func TestClusterRecordingAcrossNodes(t *testing.T) {
	c := clustertest.StartCluster(t, 3, func(o *clustertest.NodeOptions) { o.RecordAdhoc = true })
	a, b, cc := c.Nodes[0], c.Nodes[1], c.Nodes[2]
	c.LB.Set(a.Addr)
	ss, _ := supportApp(t, c)
	recordedView(t, a, ss.ID, "part one")
	c.LB.Set(b.Addr)
	c.LB.Drop(a.Addr)
	sitetest.WaitFor(t, "the support app on B", func() bool { return supportConnected(t, b) && !supportConnected(t, a) })
	time.Sleep(10 * time.Millisecond) // B's file starts later than A's, to the millisecond
	recordedView(t, b, ss.ID, "part two")

	path := "/api/v1/sessions/" + ss.ID + "/recording"
	var fromA []byte
	sitetest.WaitFor(t, "both parts finished, asked at A", func() bool {
		st, h, body := getRaw(t, a.Site, a.Token, path)
		fromA = body
		return st == 200 && h.Get("X-Tether-Recording-Parts") == "2" && h.Get("X-Tether-Recording") == "" &&
			h.Get("X-Tether-Recording-Unanswered") == ""
	})
	for _, n := range []*clustertest.Node{b, cc} {
		if st, h, body := getRaw(t, n.Site, n.Token, path); st != 200 || h.Get("X-Tether-Recording-Parts") != "2" || !bytes.Equal(body, fromA) {
			t.Fatalf("asked at %s: %d, %v, %d bytes; want A's %d", n.Addr, st, h, len(body), len(fromA))
		}
	}
	partA, partB := partFile(t, a, ss.ID), partFile(t, b, ss.ID)
	rdA, err := recording.NewReader(bytes.NewReader(partA), int64(len(partA)))
	if err != nil {
		t.Fatal(err)
	}
	rd, err := recording.NewReader(bytes.NewReader(fromA), int64(len(fromA)))
	if err != nil || rd.Meta.Parts != 2 || rd.Meta.Session != ss.ID || !rd.Meta.Started.Equal(rdA.Meta.Started) || rd.Index == nil {
		t.Fatalf("merged recording: %v, %+v", err, rd)
	}
	views := map[uint16][]string{}
	var order []uint16
	for rec, err := range rd.Records() {
		if err != nil {
			t.Fatal(err)
		}
		if rec.Kind == recording.KindStreamStart {
			order = append(order, rec.Stream)
		}
		if rec.Kind == recording.KindViewOut {
			msg := string(rec.Payload)
			if len(rec.Payload) == 2<<20 {
				msg = "frame"
			}
			views[rec.Stream] = append(views[rec.Stream], msg)
		}
	}
	if len(order) != 2 || order[0] != 1 || order[1] != 2 ||
		strings.Join(views[1], ",") != "frame,echo:part one" || strings.Join(views[2], ",") != "frame,echo:part two" {
		t.Fatalf("streams started %v; views %v", order, views)
	}

	// The session view covers both parts, asked at A or C (the list too).
	var one struct{ Recording *recording.Info }
	for _, n := range []*clustertest.Node{a, cc} {
		n.Do(n.Token, "GET", "/api/v1/sessions/"+ss.ID, nil, &one)
		if r := one.Recording; r == nil || r.Parts != 2 || r.Size != int64(len(partA)+len(partB)) ||
			!r.Started.Equal(rdA.Meta.Started) || r.Active || len(r.Unanswered) != 0 {
			t.Fatalf("the session at %s says recording %+v; want 2 parts, %d bytes from %v", n.Addr, r, len(partA)+len(partB), rdA.Meta.Started)
		}
	}
	var list struct {
		Items []struct{ Recording *recording.Info }
	}
	cc.Do(cc.Token, "GET", "/api/v1/sessions", nil, &list)
	if len(list.Items) != 1 || list.Items[0].Recording == nil || list.Items[0].Recording.Parts != 2 {
		t.Fatalf("the list at C: %+v", list.Items)
	}

	// B stops answering: the download from A is A's part alone, as it is
	// on disk, within the probe's time, and says that B did not answer.
	b.Pause()
	start := time.Now()
	st, h, body := getRaw(t, a.Site, a.Token, path)
	took := time.Since(start)
	b.Resume()
	if st != 200 || !bytes.Equal(body, partA) || h.Get("X-Tether-Recording-Parts") != "1" || took > 8*time.Second {
		t.Fatalf("with B paused: %d, %v, %d bytes (A's part %d) after %v", st, h, len(body), len(partA), took)
	}
	if h.Get("X-Tether-Recording-Unanswered") == "" {
		t.Fatalf("with B paused the download does not say so: %v", h)
	}
	var au auditItems
	if st := a.Do(a.Token, "GET", "/api/v1/audit?session="+ss.ID+"&event=recording_viewed", nil, &au); st != 200 {
		t.Fatalf("audit: %d", st)
	}
	var merged, incomplete int
	for _, e := range au.Items {
		if strings.Contains(e.Detail, "2 parts merged") {
			merged++
		}
		if strings.Contains(e.Detail, "incomplete: no answer from nodes") {
			incomplete++
		}
	}
	if incomplete != 1 || merged < 3 {
		t.Fatalf("recording_viewed entries: %+v", au.Items)
	}

	// A merged download is made anew for each request: a range of it is
	// not offered, and a Range asked for gets the whole file.
	req, _ := http.NewRequest("GET", a.Site.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set("Range", "bytes=100-199")
	res, err := a.Site.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Accept-Ranges") != "none" || !bytes.Equal(whole, fromA) {
		t.Fatalf("a range of the merged file: %d, %v, %d bytes (want %d)", res.StatusCode, res.Header, len(whole), len(fromA))
	}

	// B's part turns unreadable: A still serves its own, as it is on
	// disk, and names B's part as missing.
	if err := os.WriteFile(filepath.Join(b.Dir, "recordings", ss.ID+".trec"), bytes.Repeat([]byte("not a recording "), 64), 0o600); err != nil {
		t.Fatal(err)
	}
	st, h, body = getRaw(t, a.Site, a.Token, path)
	if st != 200 || !bytes.Equal(body, partA) || !strings.Contains(h.Get("X-Tether-Recording-Unanswered"), "(unreadable part)") {
		t.Fatalf("with B's part unreadable: %d, %v, %d bytes (A's part %d)", st, h, len(body), len(partA))
	}

	// The nodes' own route serves files without a user check: only
	// through the tunnels, never on the public listener, with a token or
	// without.
	for _, token := range []string{a.Token, ""} {
		if st, _, body := getRaw(t, a.Site, token, "/cluster/v1/recording?session="+ss.ID); st != http.StatusNotFound || bytes.Contains(body, partA[:64]) {
			t.Fatalf("the node route on the public listener (token %t): %d, %d bytes", token != "", st, len(body))
		}
	}
	if st := a.Do(a.Token, "POST", "/cluster/v1/recordings", []string{ss.ID}, nil); st != http.StatusNotFound {
		t.Fatalf("the node question on the public listener: %d", st)
	}
}
