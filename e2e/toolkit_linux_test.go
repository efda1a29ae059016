//go:build linux

package e2e

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/agent/desktop"
	"github.com/tetherhq/tether/agent/ui"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/xvfbtest"
	"github.com/tetherhq/tether/site"
)

// chatWindow is the customer's window of the support app in this test: it
// allows every question and keeps the technician's chat, so the test sees
// what the customer would.
type chatWindow struct {
	mu     sync.Mutex
	chat   []ui.ChatMessage
	events chan ui.Event
}

func (w *chatWindow) SetState(ui.State) {}
func (w *chatWindow) AskSecurityCode(context.Context, string) (string, error) {
	return "", errors.New("given on the command line")
}
func (w *chatWindow) Confirm(context.Context, ui.Question) (bool, error) { return true, nil }
func (w *chatWindow) AddChat(m ui.ChatMessage) {
	w.mu.Lock()
	w.chat = append(w.chat, m)
	w.mu.Unlock()
}
func (w *chatWindow) Events() <-chan ui.Event { return w.events }
func (w *chatWindow) Close() error            { return nil }

const envHelperJump = "TETHER_HELPER_JUMP"

// TestHelperHeadlessJumpClient is not a test: TestToolkitInBrowser runs it
// in a child process as a jump client on a computer without a display.
func TestHelperHeadlessJumpClient(t *testing.T) {
	exe, state, ok := strings.Cut(os.Getenv(envHelperJump), "|")
	if !ok {
		t.Skip("helper process only")
	}
	defer desktop.Override(desktop.Nowhere(t.TempDir()).Find)()
	agent.RunJumpClient(context.Background(), agent.JumpOptions{Executable: exe, StateDir: state})
}

// TestToolkitInBrowser: the session toolkit through the console in
// Chromium against a real site, a real support app on Xvfb and a real
// headless jump client (toolkit.mjs).
func TestToolkitInBrowser(t *testing.T) {
	prerequisites(t)
	xclip := xvfbtest.RequireBinary(t, "xclip")
	x := xvfbtest.Start(t, 800, 600)
	t.Setenv("DISPLAY", x.Display)
	// Something on the remote screen (the README's screenshots come from
	// this test's OUT_DIR).
	term := exec.CommandContext(t.Context(), "xterm", "-geometry", "96x14+0+0", "-e", "sh", "-c",
		"uname -srm; echo; df -h / | head -3; echo; echo 'Hello from the customer computer'; exec sleep 600")
	term.Env = append(os.Environ(), "DISPLAY="+x.Display)
	if err := term.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { term.Process.Kill(); term.Wait() }()
	transfer := t.TempDir()
	agent.TransferDir = transfer
	defer func() { agent.TransferDir = "" }()
	s := sitetest.Start(t, func(o *site.Options) { o.AllowRootShell = true }) // CI runs as root
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	// The support app, activated, allowing control.
	ss := s.CreateSession(nil)
	p, st, eb := s.Download(ss.Code, "linux-amd64", t.TempDir())
	if st != 200 {
		t.Fatalf("download: %d %+v", st, eb)
	}
	win := &chatWindow{events: make(chan ui.Event, 4)}
	go agent.RunSupport(ctx, agent.SupportOptions{Executable: p, StateDir: t.TempDir(), SecurityCode: ss.SecurityCode,
		AllowControl: true, Stdout: io.Discard, Stdin: strings.NewReader(""), Window: win})
	sitetest.WaitFor(t, "activated", func() bool { g := s.Get(ss.ID); return g.Status == "activated" && g.Online })

	// A jump client for the shell.
	exe := jumpClientBinary(t, s)
	// The jump client is headless: a process of its own (this test binary
	// again, TestHelperHeadlessJumpClient) with no display to find, while
	// the support app in this process uses the Xvfb.
	helper := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperHeadlessJumpClient$")
	helper.Env = append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=", envHelperJump+"="+exe+"|"+t.TempDir())
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); helper.Wait() }()
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

	work := t.TempDir()
	signal := func(name string) { os.WriteFile(filepath.Join(work, "go-"+name), nil, 0o644) }
	waitStep := func(name string) error {
		for end := time.Now().Add(90 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			if _, err := os.Stat(filepath.Join(work, "step-"+name)); err == nil {
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		return errors.New("toolkit.mjs never reached " + name)
	}
	clipErr := make(chan error, 1)
	go func() { // the customer's side, step by step with the browser
		if err := waitStep("connected"); err != nil {
			clipErr <- err
			return
		}
		win.events <- ui.Event{Kind: ui.EventChat, Text: "Hello from the customer ✓"}
		signal("customer-chat")
		if err := waitStep("clipboard-ready"); err != nil {
			clipErr <- err
			return
		}
		cmd := exec.Command(xclip, "-selection", "clipboard", "-i")
		cmd.Env = append(os.Environ(), "DISPLAY="+x.Display)
		cmd.Stdin = strings.NewReader("copied on the remote computer ✓")
		if err := cmd.Run(); err != nil {
			clipErr <- err
			return
		}
		signal("remote-clipboard")
		clipErr <- waitStep("clipboard-sent")
	}()

	node := exec.CommandContext(t.Context(), "node", "toolkit.mjs")
	node.Env = append(os.Environ(), "SITE_URL="+s.URL, "TECH_NAME=tech", "TECH_PASSWORD=tech-password",
		"SESSION_ID="+ss.ID, "ACCESS_PASSWORD=access-pw", "JUMP_SESSION_ID="+jump.SessionID, "WORK_DIR="+work)
	out, err := node.CombinedOutput()
	t.Logf("%s", strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("toolkit.mjs: %v (screenshots in e2e/out)", err)
	}
	if err := <-clipErr; err != nil {
		t.Fatal(err)
	}

	// What the customer's side got: the chat, the file, the clipboard.
	win.mu.Lock()
	got := win.chat
	win.mu.Unlock()
	if len(got) != 1 || got[0].Text != "Reply from the browser ✓" || got[0].Name != "tech" || !got[0].FromTechnician {
		t.Fatalf("the customer's window got %+v", got)
	}
	if b, err := os.ReadFile(filepath.Join(transfer, "upload.txt")); err != nil || string(b) != strings.Repeat("uploaded through the viewer ✓\n", 20000) {
		t.Fatalf("uploaded file: %d bytes, %v", len(b), err)
	}
	var clip []byte
	for try := 0; try < 50; try++ {
		cmd := exec.Command(xclip, "-selection", "clipboard", "-o")
		cmd.Env = append(os.Environ(), "DISPLAY="+x.Display)
		if clip, err = cmd.Output(); err == nil && string(clip) == "copied by the technician ✓" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the remote clipboard holds %q (%v)", clip, err)
}
