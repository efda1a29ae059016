package agent_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/testdir"
	"github.com/tetherhq/tether/site"
	"github.com/tetherhq/tether/wire"
)

// toolWindow stands in for the customer window: it answers questions with
// allow and records the technician's chat.
type toolWindow struct {
	mu     sync.Mutex
	allow  bool
	asked  []string
	chat   []ui.ChatMessage
	events chan ui.Event
}

func (w *toolWindow) SetState(ui.State) {}
func (w *toolWindow) AskSecurityCode(context.Context, string) (string, error) {
	return "", errors.New("no code here")
}
func (w *toolWindow) Confirm(_ context.Context, q ui.Question) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.asked = append(w.asked, q.Text)
	return w.allow, nil
}
func (w *toolWindow) AddChat(m ui.ChatMessage) {
	w.mu.Lock()
	w.chat = append(w.chat, m)
	w.mu.Unlock()
}
func (w *toolWindow) Events() <-chan ui.Event { return w.events }
func (w *toolWindow) Close() error            { return nil }
func (w *toolWindow) setAllow(a bool)         { w.mu.Lock(); w.allow = a; w.mu.Unlock() }
func (w *toolWindow) questions() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.asked...)
}

// toolApp runs an activated support app with a window and its own
// transfer folder.
func toolApp(t *testing.T, mod func(*site.Options)) (*sitetest.Site, *sitetest.Session, *toolWindow, string, context.CancelFunc) {
	t.Helper()
	dir := testdir.New(t)
	agent.TransferDir = dir
	t.Cleanup(func() { agent.TransferDir = "" })
	s := sitetest.Start(t, mod)
	ss := s.CreateSession(nil)
	exe := download(t, s, ss.Code)
	w := &toolWindow{allow: true, events: make(chan ui.Event)}
	ctx, cancel := context.WithCancel(t.Context())
	o := agent.SupportOptions{Executable: exe, StateDir: testdir.New(t), SecurityCode: ss.SecurityCode,
		Stdout: io.Discard, Stdin: strings.NewReader(""), Window: w}
	done := make(chan error, 1)
	go func() { done <- agent.RunSupport(ctx, o) }()
	t.Cleanup(func() { cancel(); <-done })
	waitStatus(t, s, ss.ID, "activated", true)
	return s, ss, w, dir, cancel
}

// req is one API call with a raw body; it returns the response with the
// body read (and the trailers with it).
func req(t *testing.T, s *sitetest.Site, method, path string, body io.Reader, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	r, _ := http.NewRequest(method, s.URL+"/api/v1"+path, body)
	r.Header.Set("Authorization", "Bearer "+s.Token)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	if b, ok := body.(*bytes.Reader); ok {
		r.ContentLength = int64(b.Len())
	}
	res, err := s.Client.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func wantErr(t *testing.T, res *http.Response, b []byte, status int, code wire.Code) {
	t.Helper()
	var eb wire.ErrorBody
	json.Unmarshal(b, &eb)
	if res.StatusCode != status || eb.Error == nil || eb.Error.Code != code {
		t.Fatalf("got %d %s, want %d %s", res.StatusCode, b, status, code)
	}
}

func hexSum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

// onlyFiles lists a folder's entries (part files included: nothing may
// be left behind by a refusal).
func onlyFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func TestToolkitSupportApp(t *testing.T) {
	s, ss, w, dir, quit := toolApp(t, func(o *site.Options) { o.MaxFileSize = 1 << 20 })
	files := "/sessions/" + ss.ID + "/files?path="

	// Chat both ways, stored, audited without the text.
	var sent struct {
		ID   int64
		From string
		Text string
	}
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/chat", map[string]any{"text": "Hallo — können Sie mich sehen?"}, &sent); st != 201 || sent.ID == 0 || sent.From != "technician" {
		t.Fatalf("chat: %d %+v", st, sent)
	}
	sitetest.WaitFor(t, "chat shown in the window", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.chat) == 1 && w.chat[0].Text == "Hallo — können Sie mich sehen?" && w.chat[0].Name == "tech"
	})
	w.events <- ui.Event{Kind: ui.EventChat, Text: "yes ✓"}
	var list struct {
		Items []struct {
			ID               int64
			From, Name, Text string
		}
	}
	sitetest.WaitFor(t, "the customer's message stored", func() bool {
		s.Do(s.Token, "GET", "/api/v1/sessions/"+ss.ID+"/chat?since="+itoa(sent.ID), nil, &list)
		return len(list.Items) == 1 && list.Items[0].Text == "yes ✓" && list.Items[0].From == "customer"
	})
	for _, bad := range []string{"", strings.Repeat("x", 4001)} {
		if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/chat", map[string]any{"text": bad}, nil); st != 400 {
			t.Fatalf("chat of %d characters: %d", len(bad), st)
		}
	}
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/chat", map[string]any{"text": strings.Repeat("é", 4000)}, nil); st != 201 {
		t.Fatalf("chat of 4000 characters: %d", st)
	}

	// Upload into the transfer folder, asked for, hash checked.
	data := bytes.Repeat([]byte("tether toolkit "), 30000) // 450 KB
	res, b := req(t, s, "PUT", files+"docs/report.txt", bytes.NewReader(data), map[string]string{"X-Tether-SHA256": hexSum(data)})
	if res.StatusCode != 201 || !strings.Contains(string(b), hexSum(data)) {
		t.Fatalf("upload: %d %s", res.StatusCode, b)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "docs", "report.txt")); !bytes.Equal(got, data) {
		t.Fatalf("uploaded file has %d bytes", len(got))
	}
	if q := w.questions(); len(q) != 1 || !strings.Contains(q[0], `"report.txt"`) || !strings.Contains(q[0], "tech") {
		t.Fatalf("questions: %q", q)
	}
	// Download with the hash in the trailer; the folder as a listing.
	res, b = req(t, s, "GET", files+"docs/report.txt", nil, nil)
	if res.StatusCode != 200 || !bytes.Equal(b, data) || res.Trailer.Get("X-Tether-SHA256") != hexSum(data) {
		t.Fatalf("download: %d, %d bytes, trailer %q", res.StatusCode, len(b), res.Trailer.Get("X-Tether-SHA256"))
	}
	res, b = req(t, s, "GET", files+"docs", nil, nil)
	if res.StatusCode != 200 || !strings.Contains(string(b), `"name":"report.txt"`) || !strings.Contains(string(b), `"size":450000`) {
		t.Fatalf("listing: %d %s", res.StatusCode, b)
	}

	// Refusals: nothing written.
	before := onlyFiles(t, dir)
	for _, c := range []struct {
		path   string
		body   []byte
		status int
		code   wire.Code
	}{
		{"../escape.txt", []byte("x"), 403, wire.PathNotAllowed},
		{"/tmp/absolute.txt", []byte("x"), 403, wire.PathNotAllowed},
		{"big.bin", make([]byte, 2<<20), 413, wire.FileTooLarge},
	} {
		res, b := req(t, s, "PUT", files+c.path, bytes.NewReader(c.body), nil)
		wantErr(t, res, b, c.status, c.code)
	}
	w.setAllow(false)
	res, b = req(t, s, "PUT", files+"denied.txt", bytes.NewReader([]byte("no")), nil)
	wantErr(t, res, b, 403, wire.TransferDenied)
	res, b = req(t, s, "GET", files+"docs/report.txt", nil, nil)
	wantErr(t, res, b, 403, wire.TransferDenied)
	if after := onlyFiles(t, dir); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("a refusal wrote something: %v → %v", before, after)
	}
	if _, err := os.Stat("/tmp/absolute.txt"); err == nil {
		t.Fatal("an absolute path was written")
	}
	w.setAllow(true)

	// System information.
	var info struct {
		Hostname string
		OS       struct{ Name string }
	}
	if st := s.Do(s.Token, "GET", "/api/v1/sessions/"+ss.ID+"/sysinfo", nil, &info); st != 200 || info.Hostname == "" {
		t.Fatalf("sysinfo: %d %+v", st, info)
	}
	// Shells are for jump clients.
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/shell", map[string]any{}, nil); st != 403 {
		t.Fatalf("shell on a support app: %d", st)
	}

	var audit struct{ Items []store_entry }
	s.Do(s.Token, "GET", "/api/v1/audit?session="+ss.ID, nil, &audit)
	events := map[string]string{}
	for _, e := range audit.Items {
		events[e.Event] += e.Detail + ";"
	}
	if !strings.Contains(events["chat"], "technician message, 30 characters") || strings.Contains(events["chat"], "Hallo") ||
		!strings.Contains(events["file_upload"], "docs/report.txt, 450000 bytes, sha256 "+hexSum(data)) ||
		!strings.Contains(events["file_download"], hexSum(data)) || !strings.Contains(events["file_upload_refused"], "transfer_denied") || !strings.Contains(events["file_upload_refused"], "big.bin: file_too_large") {
		t.Fatalf("audit: %v", events)
	}

	// The customer quits: chat and transfers are refused, not queued.
	quit()
	waitStatus(t, s, ss.ID, "activated", false)
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/chat", map[string]any{"text": "still there?"}, nil); st != 409 {
		t.Fatalf("chat while offline: %d", st)
	}
	res, b = req(t, s, "GET", files+"docs", nil, nil)
	wantErr(t, res, b, 409, wire.CustomerOffline)
}

type store_entry struct{ Event, Detail string }

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// cutReader fails after n bytes, as a client whose link drops.
type cutReader struct {
	r io.Reader
	n int
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, errors.New("link cut")
	}
	p = p[:min(len(p), c.n)]
	n, err := c.r.Read(p)
	c.n -= n
	return n, err
}

// TestToolkitLargeAndResume moves ~200 MB both ways through the site and
// resumes an upload and a download after a cut link.
func TestToolkitLargeAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 200 MB")
	}
	s, ss, _, dir, _ := toolApp(t, nil)
	files := "/sessions/" + ss.ID + "/files?path="
	size := 200 << 20
	if raceEnabled {
		size = 24 << 20
	}
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*7 + i>>13)
	}
	sum := hexSum(data)

	// The first attempt dies after a quarter; the agent keeps the part file.
	r, _ := http.NewRequest("PUT", s.URL+"/api/v1"+files+"big.bin", &cutReader{r: bytes.NewReader(data), n: size / 4})
	r.Header.Set("Authorization", "Bearer "+s.Token)
	r.ContentLength = int64(len(data))
	if res, err := s.Client.Do(r); err == nil {
		res.Body.Close()
		t.Fatalf("a cut upload answered %d", res.StatusCode)
	}
	var partial struct{ Received int64 }
	sitetest.WaitFor(t, "the part file", func() bool {
		s.Do(s.Token, "GET", "/api/v1"+files+"big.bin&partial=1", nil, &partial)
		return partial.Received > 0
	})
	if partial.Received > int64(size/4) {
		t.Fatalf("received %d of %d sent", partial.Received, size/4)
	}
	start := time.Now()
	res, b := req(t, s, "PUT", files+"big.bin&offset="+itoa(partial.Received), bytes.NewReader(data[partial.Received:]), map[string]string{"X-Tether-SHA256": sum})
	if res.StatusCode != 201 || !strings.Contains(string(b), sum) {
		t.Fatalf("resumed upload: %d %s", res.StatusCode, b)
	}
	t.Logf("upload of %d MB resumed at %d MB: %v", len(data)>>20, partial.Received>>20, time.Since(start))
	if fi, err := os.Stat(filepath.Join(dir, "big.bin")); err != nil || fi.Size() != int64(len(data)) {
		t.Fatalf("uploaded: %v %v", fi, err)
	}

	// Download, cut after 15 % by the client, then resumed by offset.
	r, _ = http.NewRequest("GET", s.URL+"/api/v1"+files+"big.bin", nil)
	r.Header.Set("Authorization", "Bearer "+s.Token)
	res, err := s.Client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, size*15/100)
	if _, err := io.ReadFull(res.Body, first); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	start = time.Now()
	r, _ = http.NewRequest("GET", s.URL+"/api/v1"+files+"big.bin&offset="+itoa(int64(len(first))), nil)
	r.Header.Set("Authorization", "Bearer "+s.Token)
	res, err = s.Client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	h.Write(first)
	n, err := io.Copy(h, res.Body)
	res.Body.Close()
	if err != nil || int64(len(first))+n != int64(len(data)) || hex.EncodeToString(h.Sum(nil)) != sum ||
		res.Trailer.Get("X-Tether-SHA256") != sum || res.Header.Get("X-Tether-Size") != itoa(int64(len(data))) {
		t.Fatalf("resumed download: %d bytes, %v, trailer %q", n, err, res.Trailer.Get("X-Tether-SHA256"))
	}
	t.Logf("download resumed at %d MB: %v", len(first)>>20, time.Since(start))
}

// TestViewOnlyPreallowed: under --consent-adhoc view-only-preallowed a
// view-only request starts without a question; control is still asked
// (and denied here).
func TestViewOnlyPreallowed(t *testing.T) {
	s, ss, w, _, _ := toolApp(t, func(o *site.Options) { o.ConsentAdhoc = wire.ConsentViewPreallowed })
	w.setAllow(false)
	for _, control := range []bool{false, true} {
		var grant struct {
			Stream, Token string
			Asks          bool
		}
		if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/view", map[string]any{"password": "access-pw", "control": control}, &grant); st != 201 || grant.Asks != control {
			t.Fatalf("view (control %v): %d %+v", control, st, grant)
		}
		u := strings.Replace(s.URL, "https", "wss", 1) + "/api/v1/sessions/" + ss.ID + "/stream/" + grant.Stream + "?token=" + grant.Token
		ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
		c, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
			HTTPClient: s.Client, HTTPHeader: http.Header{"Authorization": {"Bearer " + s.Token}},
		})
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadLimit(64 << 20)
		_, _, err = c.Read(ctx)
		c.CloseNow()
		cancel()
		if denied := websocket.CloseStatus(err) == websocket.StatusPolicyViolation; denied != control {
			t.Fatalf("control %v: first read %v", control, err)
		}
	}
	if q := w.questions(); len(q) != 1 {
		t.Fatalf("asked %q; want only the control question", q)
	}
}
