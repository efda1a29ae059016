//go:build linux

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/tetherhq/tether/internal/sitetest"
)

// TestPinAsJumpClient: the customer runs the real support app as their own
// (non-root) user; the technician pins the session (C2), the app installs
// itself as a user-mode jump client that starts at once and enrols with the
// technician's name, group and tag; it outlives the session, technicians
// jump to it, and removing it in the console makes this desktop install
// uninstall itself (C8).
func TestPinAsJumpClient(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("runs the customer's app as a created user: needs root (CI runs as root)")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("no useradd")
	}
	s := sitetest.Start(t, nil)
	os.Remove(filepath.Join(s.Agents, "tether-linux-amd64")) // the stand-in
	buildAgent(t, "dev", filepath.Join(s.Agents, "tether-linux-amd64"))
	name := fmt.Sprintf("tcu%d", os.Getpid()%1e6)
	if out, err := exec.Command("useradd", "-m", "-s", "/bin/sh", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		exec.Command("pkill", "-KILL", "-u", name).Run()
		exec.Command("userdel", "-r", name).Run()
	})
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)

	ss := s.CreateSession(nil)
	app, st, eb := s.Download(ss.Code, "linux-amd64", u.HomeDir)
	if st != 200 {
		t.Fatalf("download: %d %+v", st, eb)
	}
	os.Chown(app, uid, gid)
	cmd := exec.CommandContext(t.Context(), app, "support", "--security-code", ss.SecurityCode, "--allow-pin", "-v")
	cmd.Dir = u.HomeDir
	cmd.Env = []string{"HOME=" + u.HomeDir, "USER=" + name, "PATH=/usr/bin:/bin", "TETHER_NO_DIALOG=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("support app output:\n%s", out.String())
		}
	})
	sitetest.WaitFor(t, "session activated", func() bool {
		g := s.Get(ss.ID)
		return g.Status == "activated" && g.Online
	})

	var pin struct{ Status string }
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/pin",
		map[string]any{"name": "Reception PC", "tag": "front-desk"}, &pin); st != 202 || pin.Status != "pending" {
		t.Fatalf("pin: %d %+v", st, pin)
	}
	var l struct {
		Items []struct{ ID, Name, Tag, Group, Status, Version string }
	}
	sitetest.WaitFor(t, "pinned client online", func() bool {
		s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l)
		return len(l.Items) == 1 && l.Items[0].Status == "online"
	})
	jc := l.Items[0]
	if jc.Name != "Reception PC" || jc.Tag != "front-desk" || jc.Group != "user:tech" {
		t.Fatalf("pinned client: %+v", jc)
	}
	var g struct {
		Pin struct {
			Status       string
			JumpClientID string `json:"jump_client_id"`
		} `json:"pin"`
	}
	s.Do(s.Token, "GET", "/api/v1/sessions/"+ss.ID, nil, &g)
	if g.Pin.Status != "pinned" || g.Pin.JumpClientID != jc.ID {
		t.Fatalf("session pin: %+v", g.Pin)
	}
	var e sitetest.ErrorBody
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/pin", map[string]any{}, &e); st != 409 || e.Error.Code != "already_pinned" {
		t.Fatalf("pin again: %d %+v", st, e)
	}
	dirs, _ := filepath.Glob(filepath.Join(u.HomeDir, ".tether-*"))
	if len(dirs) != 1 {
		t.Fatalf("install dirs: %v", dirs)
	}
	if fi, err := os.Stat(dirs[0]); err != nil || fi.Sys().(*syscall.Stat_t).Uid != uint32(uid) {
		t.Fatalf("install dir not the customer's: %v", err)
	}

	// Closing the support session ends and removes the support app; the
	// jump client stays.
	s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/close", nil, nil)
	<-exited
	var jump struct {
		SessionID string `json:"session_id"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+jc.ID+"/jump", nil, &jump); st != 201 {
		t.Fatalf("jump to the pinned client: %d", st)
	}
	s.Do(s.Token, "DELETE", "/api/v1/jump-clients/"+jc.ID, nil, nil)
	sitetest.WaitFor(t, "pinned client uninstalled itself", func() bool {
		_, err := os.Stat(dirs[0])
		return os.IsNotExist(err)
	})
	if auto, _ := filepath.Glob(filepath.Join(u.HomeDir, ".config", "autostart", "*")); len(auto) != 0 {
		t.Fatalf("autostart entries left: %v", auto)
	}
}
