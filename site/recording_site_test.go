package site_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/capture"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/site/recording"
	"github.com/tetherhq/tether/stream"
	"github.com/tetherhq/tether/wire"
)

// syntheticView is a support app's view handler with a screen made up in
// memory and encoded by the agent's own encoder: it sends the screen, a
// full frame and a typed character every 10 ms, answers the viewer's (or
// the site's) refresh with a full frame like the agent does, and counts
// the refreshes and the input it gets.
type syntheticView struct {
	refreshes, inputs atomic.Int32
}

func (sv *syntheticView) serve(ctx context.Context, v *wire.View, s *agent.Support) {
	cfg := s.Config()
	conn, err := agent.Dial(ctx, cfg.SiteURL, cfg.CertPin,
		"/agent/v1/stream/"+url.PathEscape(v.Stream)+"?token="+url.QueryEscape(string(v.Token)))
	if err != nil {
		return
	}
	defer conn.CloseNow()
	var full atomic.Bool
	go func() {
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			switch {
			case len(b) > 0 && b[0] == byte(stream.MsgRefresh):
				sv.refreshes.Add(1)
				full.Store(true)
			case len(b) > 0 && b[0] != byte(stream.MsgAck):
				sv.inputs.Add(1)
			}
		}
	}()
	const w, h = 320, 200
	f := &capture.Frame{Width: w, Height: h, Stride: w * 4, Pix: make([]byte, w*h*4)}
	enc, _ := stream.NewEncoder(w, h)
	scr := &stream.Screen{Version: stream.Version, Width: w, Height: h,
		Displays: []capture.Display{{Name: "synthetic", Width: w, Height: h, Primary: true}}}
	send := func(b []byte) bool { return conn.Write(ctx, websocket.MessageBinary, b) == nil }
	seq := uint32(0)
	encode := func(damage []capture.Rect, isFull bool) []byte {
		seq++
		b, _, _ := enc.Encode(nil, f, damage, isFull, seq, uint64(time.Now().UnixMicro()))
		return b
	}
	if !send(scr.Append(nil)) || !send(stream.State{ControlAllowed: true}.Append(nil)) || !send(encode(nil, true)) {
		return
	}
	for i := 0; ; i++ {
		r := capture.Rect{X: i % 40 * 8, Y: i / 40 % 12 * 16, W: 8, H: 16}
		for y := r.Y; y < r.Y+r.H; y++ {
			for x := r.X; x < r.X+r.W; x++ {
				copy(f.Pix[y*f.Stride+x*4:], []byte{byte(i), byte(x * y), byte(i * 7), 0})
			}
		}
		if !send(encode([]capture.Rect{r}, false)) || full.Swap(false) && !send(encode(nil, true)) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// allowWindow is a customer window that allows everything and can send
// the customer's chat.
type allowWindow struct{ events chan ui.Event }

func (allowWindow) SetState(ui.State) {}
func (allowWindow) AskSecurityCode(context.Context, string) (string, error) {
	return "", errors.New("given on the command line")
}
func (allowWindow) Confirm(context.Context, ui.Question) (bool, error) { return true, nil }
func (allowWindow) AddChat(ui.ChatMessage)                             {}
func (w allowWindow) Events() <-chan ui.Event                          { return w.events }
func (allowWindow) Close() error                                       { return nil }

// recordedApp runs an activated support app with a synthetic screen on a
// site that records ad hoc sessions.
func recordedApp(t *testing.T, mod func(*site.Options)) (*sitetest.Site, *sitetest.Session, *syntheticView, allowWindow) {
	t.Helper()
	agent.TransferDir = t.TempDir()
	t.Cleanup(func() { agent.TransferDir = "" })
	s := sitetest.Start(t, func(o *site.Options) {
		o.RecordAdhoc, o.RecordingKeyframeEvery, o.RecordingKeyframeBytes = true, 100*time.Millisecond, 1000
		if mod != nil {
			mod(o)
		}
	})
	ss := s.CreateSession(map[string]any{"customer_name": "Ann"})
	app, st, _ := s.Download(ss.Code, "linux-amd64", t.TempDir())
	if st != 200 {
		t.Fatalf("download: %d", st)
	}
	sv := &syntheticView{}
	win := allowWindow{events: make(chan ui.Event, 4)}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		agent.RunSupport(ctx, agent.SupportOptions{Executable: app, StateDir: t.TempDir(), SecurityCode: ss.SecurityCode,
			AllowControl: true, Stdin: strings.NewReader(""), Stdout: io.Discard, Window: win, OnView: sv.serve})
	}()
	t.Cleanup(func() { cancel(); <-done })
	sitetest.WaitFor(t, "support app activated", func() bool { g := s.Get(ss.ID); return g.Status == "activated" && g.Online })
	return s, ss, sv, win
}

// getRaw GETs path with a token and returns the status and the body.
func getRaw(t *testing.T, s *sitetest.Site, token, path string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, b
}

type auditItems struct {
	Items []struct {
		ID                   int64
		Event, Actor, Detail string
		SessionID            string `json:"session_id"`
		JumpClientID         string `json:"jump_client_id"`
	}
	Next int64
}

func sessionAudit(t *testing.T, s *sitetest.Site, token, query string) map[string]int {
	t.Helper()
	var a auditItems
	if st := s.Do(token, "GET", "/api/v1/audit?"+query, nil, &a); st != 200 {
		t.Fatalf("audit %s: %d", query, st)
	}
	n := map[string]int{}
	for _, e := range a.Items {
		n[e.Event]++
	}
	return n
}

// TestRecordingThroughTheSite: a viewed, chatted and file-transferring
// session through the real relay and a real support app ends up in its
// recording — the agent's view messages byte for byte, the technician's
// input, both sides' chat, the transfer's name, size and hash — with full
// frames the site asked for while recording; only the technician and
// admins may download it, and each download is audited.
func TestRecordingThroughTheSite(t *testing.T) {
	s, ss, sv, win := recordedApp(t, nil)
	viewer := startViewer(t, s, ss.ID)
	var fromAgent [][]byte
	readView := func(n int) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		for range n {
			_, b, err := viewer.Read(ctx)
			if err != nil {
				t.Fatalf("viewer read: %v", err)
			}
			fromAgent = append(fromAgent, b)
		}
	}
	readView(20)
	for _, m := range [][]byte{stream.MouseMove{X: 5, Y: 6}.Append(nil), stream.Key{Code: "KeyA", Down: true}.Append(nil)} {
		if err := viewer.Write(t.Context(), websocket.MessageBinary, m); err != nil {
			t.Fatal(err)
		}
	}
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/chat", map[string]any{"text": "hello from tech"}, nil); st != 201 {
		t.Fatalf("chat: %d", st)
	}
	win.events <- ui.Event{Kind: ui.EventChat, Text: "hello from Ann"}
	body := bytes.Repeat([]byte("recorded transfer\n"), 1000)
	req, _ := http.NewRequest("PUT", s.URL+"/api/v1/sessions/"+ss.ID+"/files?path=r.txt", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.Token)
	if res, err := s.Client.Do(req); err != nil || res.StatusCode != 201 {
		t.Fatalf("upload: %v %v", res, err)
	}
	sitetest.WaitFor(t, "the customer's chat and two full frames asked for", func() bool {
		return sessionAudit(t, s, s.Token, "session="+ss.ID)["chat"] == 2 && sv.refreshes.Load() >= 2 && sv.inputs.Load() == 2
	})
	readView(30)
	viewer.Close(websocket.StatusNormalClosure, "done")
	sitetest.WaitFor(t, "the recording closed", func() bool {
		var g struct{ Recording *recording.Info }
		s.Do(s.Token, "GET", "/api/v1/sessions/"+ss.ID, nil, &g)
		return g.Recording != nil && !g.Recording.Active
	})

	st, hdr, file := getRaw(t, s, s.Token, "/api/v1/sessions/"+ss.ID+"/recording")
	if st != 200 || hdr.Get("Content-Type") != "application/vnd.tether.recording" {
		t.Fatalf("download: %d %v", st, hdr)
	}
	// Served byte for byte as it is on disk: a single part is never
	// rewritten (only parts from several cluster nodes are merged).
	if onDisk, err := os.ReadFile(filepath.Join(s.Options().DataDir, "recordings", ss.ID+".trec")); err != nil ||
		!bytes.Equal(file, onDisk) || hdr.Get("X-Tether-Recording-Parts") != "1" || hdr.Get("X-Tether-Recording-Unanswered") != "" {
		t.Fatalf("download of %d bytes differs from the file (%d bytes, %v); %v", len(file), len(onDisk), err, hdr)
	}
	rd, err := recording.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil || rd.Index == nil || rd.Meta.Session != ss.ID || rd.Meta.Technician != "tech" || rd.Meta.Parts != 0 {
		t.Fatalf("reader: %v, %+v", err, rd)
	}
	kinds, outs := map[recording.Kind]int{}, [][]byte{}
	var chats []recording.ChatEvent
	var files []recording.FileEvent
	for rec, err := range rd.Records() {
		if err != nil {
			t.Fatal(err)
		}
		kinds[rec.Kind]++
		switch rec.Kind {
		case recording.KindViewOut:
			outs = append(outs, rec.Payload)
		case recording.KindChat:
			var c recording.ChatEvent
			json.Unmarshal(rec.Payload, &c)
			chats = append(chats, c)
		case recording.KindFile:
			var f recording.FileEvent
			json.Unmarshal(rec.Payload, &f)
			files = append(files, f)
		}
	}
	for i, b := range fromAgent { // what the viewer got is what was recorded
		if i >= len(outs) || !bytes.Equal(outs[i], b) {
			t.Fatalf("view message %d differs from the recording", i)
		}
	}
	if kinds[recording.KindViewIn] != 2 || kinds[recording.KindStreamStart] != 1 || kinds[recording.KindStreamEnd] != 1 {
		t.Fatalf("kinds %v", kinds)
	}
	if len(chats) != 2 || chats[0].Text != "hello from tech" || chats[1].From != "customer" || chats[1].Text != "hello from Ann" {
		t.Fatalf("chat %+v", chats)
	}
	if len(files) != 1 || files[0].Op != "upload" || files[0].Size != int64(len(body)) || len(files[0].SHA256) != 64 || files[0].Result != "done" {
		t.Fatalf("files %+v", files)
	}
	if n := len(rd.Index.Entries); n < 3 {
		t.Fatalf("%d full frames in the index: the site did not ask for more", n)
	}

	other := s.AddTechnician("other", false)
	var eb sitetest.ErrorBody
	if st := s.Do(other, "GET", "/api/v1/sessions/"+ss.ID+"/recording", nil, &eb); st != 404 || eb.Error.Code != "not_found" {
		t.Fatalf("another technician: %d %+v", st, eb)
	}
	admin := s.AddTechnician("boss", true)
	if st, _, b := getRaw(t, s, admin, "/api/v1/sessions/"+ss.ID+"/recording"); st != 200 || !bytes.Equal(b, file) {
		t.Fatalf("admin: %d, %d bytes", st, len(b))
	}
	var a auditItems
	s.Do(admin, "GET", "/api/v1/audit?session="+ss.ID+"&event=recording_viewed", nil, &a)
	if len(a.Items) != 2 || a.Items[0].Actor != "tech" || a.Items[1].Actor != "boss" {
		t.Fatalf("recording_viewed entries %+v", a.Items)
	}
}

// TestRecordingPolicy: jump sessions are recorded by default, ad hoc
// sessions only with --record-adhoc; a session that was not recorded
// answers 404 no_recording.
func TestRecordingPolicy(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mod      func(*site.Options)
		adhoc    bool // the ad hoc session is recorded
		jump     bool
		viewedOK bool
	}{
		{"defaults", nil, false, true, false},
		{"ad hoc on", func(o *site.Options) { o.RecordAdhoc = true }, true, true, true},
		{"jump off", func(o *site.Options) { o.NoRecordJump = true }, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sitetest.Start(t, tc.mod)
			ss := s.CreateSession(nil)
			var g struct{ Recorded bool }
			s.Do(s.Token, "GET", "/api/v1/sessions/"+ss.ID, nil, &g)
			if g.Recorded != tc.adhoc {
				t.Fatalf("ad hoc recorded = %v", g.Recorded)
			}
			var eb sitetest.ErrorBody
			if st := s.Do(s.Token, "GET", "/api/v1/sessions/"+ss.ID+"/recording", nil, &eb); st != 404 || eb.Error.Code != "no_recording" ||
				eb.Error.Message != wire.NoRecording.Message() {
				t.Fatalf("no recording yet: %d %+v", st, eb)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go agent.RunJumpClient(ctx, agent.JumpOptions{Executable: installerExe(t, s), StateDir: t.TempDir()})
			var jump struct {
				SessionID string `json:"session_id"`
			}
			if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+waitJumpClientOnline(t, s)+"/jump", nil, &jump); st != 201 {
				t.Fatalf("jump: %d", st)
			}
			s.Do(s.Token, "GET", "/api/v1/sessions/"+jump.SessionID, nil, &g)
			if g.Recorded != tc.jump {
				t.Fatalf("jump recorded = %v", g.Recorded)
			}
		})
	}
}

// TestRecordingRetention: the site's reaper removes a recording once its
// retention passed on the site's clock, and audits it.
func TestRecordingRetention(t *testing.T) {
	s, ss, _, _ := recordedApp(t, func(o *site.Options) { o.RecordingRetention = 30 * 24 * time.Hour })
	viewer := startViewer(t, s, ss.ID)
	readFrames(t, viewer, 5)
	viewer.Close(websocket.StatusNormalClosure, "done")
	path := filepath.Join(s.Data, "recordings", ss.ID+".trec")
	sitetest.WaitFor(t, "the recording closed", func() bool {
		var g struct{ Recording *recording.Info }
		s.Do(s.Token, "GET", "/api/v1/sessions/"+ss.ID, nil, &g)
		return g.Recording != nil && !g.Recording.Active
	})
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("recording file: %v %v", st, err)
	}
	s.Clock.Advance(29 * 24 * time.Hour)
	s.Server.Reap(t.Context())
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("removed before its time: %v", err)
	}
	s.Clock.Advance(2 * 24 * time.Hour)
	s.Server.Reap(t.Context())
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("not removed after the retention: %v", err)
	}
	if n := sessionAudit(t, s, s.Token, "session="+ss.ID)["recording_removed"]; n != 1 {
		t.Fatalf("recording_removed audited %d times", n)
	}
	var eb sitetest.ErrorBody
	if st := s.Do(s.Token, "GET", "/api/v1/sessions/"+ss.ID+"/recording", nil, &eb); st != 404 || eb.Error.Code != "no_recording" {
		t.Fatalf("after retention: %d %+v", st, eb)
	}
}
