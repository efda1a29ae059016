//go:build linux

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/capture"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/xvfbtest"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/site/recording"
)

// steps coordinates a test with its browser script through files: the
// script writes step-NAME, the test go-NAME.
type steps struct{ dir string }

func (s steps) signal(name string) { os.WriteFile(filepath.Join(s.dir, "go-"+name), nil, 0o644) }

func (s steps) wait(ctx context.Context, name string) error {
	for end := time.Now().Add(120 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(s.dir, "step-"+name)); err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return errors.New("the browser script never reached " + name)
}

// snapshot saves what the Xvfb shows now as a PNG (what the player must
// show for this moment) and returns the moment.
func snapshot(t *testing.T, display, path string) time.Time {
	t.Helper()
	c, err := capture.Open(capture.WithX11Display(display))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	at := time.Now()
	f, err := c.Grab(0)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	for y := range f.Height {
		for x := range f.Width {
			b, g, r := f.At(x, y)
			copy(img.Pix[y*img.Stride+x*4:], []byte{r, g, b, 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return at
}

// TestRecordingInBrowser: a jump session on a real jump client (Xvfb,
// xterm) is viewed and typed into in Chromium, chatted in through the
// viewer's pane and given a file; the recording downloaded afterwards has
// every kind of record in time order, and the console's player
// (recording.mjs) shows at two moments what the Xvfb showed then, with
// chat and file markers; another technician cannot get it, every viewing
// is audited, and the audit page filters and exports it.
func TestRecordingInBrowser(t *testing.T) {
	prerequisites(t)
	x := xvfbtest.Start(t, 1024, 768)
	t.Setenv("DISPLAY", x.Display)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	h := newHarness(t, ctx)
	home := t.TempDir()
	xterm := h.command("xterm", "-geometry", "80x24+0+0")
	xterm.Env = append(os.Environ(), "SHELL=/bin/sh", "HOME="+home, "ENV=", "PS1=$ ")
	xterm.Dir = home
	h.start(xterm)
	agent.TransferDir = t.TempDir()
	defer func() { agent.TransferDir = "" }()
	s := sitetest.Start(t, func(o *site.Options) {
		o.RecordingKeyframeEvery, o.RecordingKeyframeBytes = time.Second, 1
		o.AllowRootShell = true // CI runs as root
	})
	sessionID := jumpSession(t, s, ctx)

	work := t.TempDir()
	st := steps{work}
	done := make(chan error, 1)
	go func() {
		err := driveRecording(ctx, t, s, x.Display, sessionID, st, h)
		if err != nil {
			cancel() // stops the browser script, which waits for us
		}
		done <- err
	}()
	node := exec.CommandContext(ctx, "node", "recording.mjs")
	node.Env = append(os.Environ(), "SITE_URL="+s.URL, "TECH_NAME=tech", "TECH_PASSWORD=tech-password",
		"SESSION_ID="+sessionID, "WORK_DIR="+work)
	out, err := node.CombinedOutput()
	t.Logf("%s", strings.TrimSpace(string(out)))
	if err != nil {
		cancel()
		if derr := <-done; derr != nil {
			t.Fatal(derr)
		}
		t.Fatalf("recording.mjs: %v (screenshots in e2e/out)", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkRecordingAccess(t, s, sessionID)
}

// jumpSession installs a jump client on this computer (the Xvfb) and
// jumps to it.
func jumpSession(t testing.TB, s *sitetest.Site, ctx context.Context) string {
	t.Helper()
	var in struct {
		DownloadURL string `json:"download_url"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"valid_for": "1h"}, &in); st != 201 {
		t.Fatalf("installer: %d", st)
	}
	res, err := s.Client.Get(in.DownloadURL + "?format=raw")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	exe := filepath.Join(t.TempDir(), "tether")
	os.WriteFile(exe, b, 0o755)
	go agent.RunJumpClient(ctx, agent.JumpOptions{Executable: exe, StateDir: t.TempDir()})
	var jcs struct{ Items []struct{ ID, Status string } }
	sitetest.WaitFor(t, "jump client online", func() bool {
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &jcs)
		return len(jcs.Items) == 1 && jcs.Items[0].Status == "online"
	})
	var jump struct {
		SessionID string `json:"session_id"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+jcs.Items[0].ID+"/jump", nil, &jump); st != 201 {
		t.Fatalf("jump: %d", st)
	}
	return jump.SessionID
}

// driveRecording is the test's side while recording.mjs views: it
// snapshots the screen (A), changes it with a coloured window, snapshots
// it again (B), uploads a file, and once the view is closed checks the
// downloaded recording and tells the script when A and B were.
func driveRecording(ctx context.Context, t *testing.T, s *sitetest.Site, display, id string, st steps, h *harness) error {
	if err := st.wait(ctx, "typed"); err != nil {
		return err
	}
	time.Sleep(2 * time.Second) // the view settles (lossy parts refined)
	ta := snapshot(t, display, filepath.Join(st.dir, "ref-a.png"))
	big := h.command("xterm", "-geometry", "110x40+100+60", "-bg", "#1f5fbf", "-fg", "#ffff00",
		"-e", "sh", "-c", "echo screen B; sleep 600")
	big.Env = append(os.Environ(), "DISPLAY="+display)
	h.start(big)
	time.Sleep(3 * time.Second)
	tb := snapshot(t, display, filepath.Join(st.dir, "ref-b.png"))
	req, _ := http.NewRequest("PUT", s.URL+"/api/v1/sessions/"+id+"/files?path=recorded.txt", strings.NewReader("a file for the recording\n"))
	req.Header.Set("Authorization", "Bearer "+s.Token)
	if res, err := s.Client.Do(req); err != nil || res.StatusCode != 201 {
		return fmt.Errorf("upload: %v %v", res, err)
	}
	st.signal("close")
	if err := st.wait(ctx, "closed"); err != nil {
		return err
	}
	rd := waitRecording(t, s, id)
	if err := checkRecords(rd); err != nil {
		return err
	}
	times, _ := json.Marshal(map[string]int64{"a": ta.Sub(rd.Meta.Started).Milliseconds(), "b": tb.Sub(rd.Meta.Started).Milliseconds()})
	os.WriteFile(filepath.Join(st.dir, "times.json"), times, 0o644)
	st.signal("play")
	return nil
}

// waitRecording waits for the session's recording to be closed and reads
// it through the API, as the technician.
func waitRecording(t *testing.T, s *sitetest.Site, id string) *recording.Reader {
	t.Helper()
	sitetest.WaitFor(t, "the recording closed", func() bool {
		var g struct{ Recording *recording.Info }
		s.Do(s.Token, "GET", "/api/v1/sessions/"+id, nil, &g)
		return g.Recording != nil && !g.Recording.Active
	})
	b := getBody(t, s, s.Token, "/api/v1/sessions/"+id+"/recording", 200)
	rd, err := recording.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("recording: %d bytes, %d full frames", len(b), len(rd.Index.Entries))
	return rd
}

// checkRecords: every kind a viewed, chatted, file-transferring session
// makes is there, in time order, with full frames the site asked for.
func checkRecords(rd *recording.Reader) error {
	kinds := map[recording.Kind]int{}
	var last time.Duration
	var chat recording.ChatEvent
	for rec, err := range rd.Records() {
		if err != nil {
			return err
		}
		if rec.Time < last {
			return fmt.Errorf("record at %d goes back in time", rec.Offset)
		}
		last = rec.Time
		kinds[rec.Kind]++
		if rec.Kind == recording.KindChat {
			json.Unmarshal(rec.Payload, &chat)
		}
	}
	for _, k := range []recording.Kind{recording.KindStreamStart, recording.KindStreamEnd, recording.KindViewOut,
		recording.KindViewIn, recording.KindShellOut, recording.KindShellCtl, recording.KindChat, recording.KindFile} {
		if kinds[k] == 0 {
			return fmt.Errorf("no %v record in %v", k, kinds)
		}
	}
	// The view's first full frame, and one the site asked for after the
	// screen changed.
	if chat.Text != "Chat from the viewer ✓" || rd.Index == nil || len(rd.Index.Entries) < 2 {
		return fmt.Errorf("chat %+v, index %+v", chat, rd.Index)
	}
	return nil
}

func getBody(t *testing.T, s *sitetest.Site, token, path string, want int) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return b
}

// checkRecordingAccess: another technician gets nothing, an admin gets the
// file, and every viewing (the player's included) is in the audit log.
func checkRecordingAccess(t *testing.T, s *sitetest.Site, id string) {
	other := s.AddTechnician("other", false)
	getBody(t, s, other, "/api/v1/sessions/"+id+"/recording", 404)
	admin := s.AddTechnician("admin2", true)
	getBody(t, s, admin, "/api/v1/sessions/"+id+"/recording", 200)
	var a struct {
		Items []struct{ Actor, Event string }
	}
	s.Do(admin, "GET", "/api/v1/audit?session="+id+"&event=recording_viewed", nil, &a)
	actors := map[string]int{}
	for _, e := range a.Items {
		actors[e.Actor]++
	}
	// tech: the test's download and the player's; admin2: one.
	if actors["tech"] < 2 || actors["admin2"] != 1 || actors["other"] != 0 {
		t.Fatalf("recording_viewed by %v", actors)
	}
}
