//go:build linux

package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/sitetest"
)

// TestInstallerBinAsAdmin: an admin creates an installer on the site,
// downloads the .bin assembled from the real agent build, and installs it
// as root for a user (C3, C5); root without --user is refused; the
// uninstall script removes the files.
func TestInstallerBinAsAdmin(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("installs for another user: needs root (CI runs as root)")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("no useradd")
	}
	s := sitetest.Start(t, nil)
	os.Remove(filepath.Join(s.Agents, "tether-linux-amd64")) // the stand-in
	build := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(s.Agents, "tether-linux-amd64"), "./cmd/tether")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build agent: %v\n%s", err, out)
	}
	var in struct {
		ID, KeyInfo, DownloadURL string
	}
	var raw map[string]any
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"tag": "servers", "comments": "rack 4", "valid_for": "1h"}, &raw); st != 201 {
		t.Fatalf("create installer: %d %v", st, raw)
	}
	in.ID, in.KeyInfo, in.DownloadURL = raw["id"].(string), raw["key_info"].(string), raw["download_url"].(string)

	base, err := os.MkdirTemp("", "tether-jc-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	os.Chmod(base, 0o755) // the jump client's user must reach its dir
	bin := filepath.Join(base, "tether-"+in.ID+".bin")
	res, err := s.Client.Get(in.DownloadURL)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Create(bin)
	io.Copy(f, res.Body)
	f.Close()
	res.Body.Close()

	dir := filepath.Join(base, "jumpclient")
	run := func(args ...string) (string, int) {
		cmd := exec.CommandContext(t.Context(), "sh", append([]string{bin}, args...)...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return string(out), ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	out, code := run("--install-dir", dir)
	if code == 0 || !strings.Contains(out, "requires --user") {
		t.Fatalf("root without --user: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatal("refused install left files")
	}

	user := fmt.Sprintf("tjc%d", time.Now().UnixNano()%1e6)
	if out, err := exec.Command("useradd", "-M", "-s", "/usr/sbin/nologin", user).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", user).Run() })

	out, code = run("--install-dir", dir, "--user", user, "--jc-tag", "web", "--jc-comments", "front door")
	if code != 0 {
		t.Fatalf("install: exit %d\n%s", code, out)
	}
	for _, name := range []string{"tether", "init-script", "uninstall", "state/install.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("%s missing after install: %v\n%s", name, err, out)
		}
	}
	st, _ := os.Stat(filepath.Join(dir, "state"))
	owner := st.Sys().(*syscall.Stat_t).Uid
	uid, _ := exec.Command("id", "-u", user).Output()
	if fmt.Sprint(owner) != strings.TrimSpace(string(uid)) {
		t.Fatalf("state dir owned by %d, want %s", owner, uid)
	}
	rec, _ := os.ReadFile(filepath.Join(dir, "state", "install.json"))
	var record map[string]any
	if err := json.Unmarshal(rec, &record); err != nil {
		t.Fatalf("install record: %v", err)
	}
	if !strings.Contains(string(rec), `"web"`) || !strings.Contains(string(rec), "front door") {
		t.Fatalf("install record lacks the --jc flags: %s", rec)
	}
	jumpClientLifecycle(t, s, dir)

	if out, err := exec.Command(filepath.Join(dir, "uninstall")).CombinedOutput(); err != nil {
		t.Fatalf("uninstall: %v\n%s", err, out)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatal("uninstall left the install dir")
	}
}

type jcList struct {
	Items []struct {
		ID, Name, Status, Tag, Comments, Group, Hostname string
	}
	Counts map[string]int
}

// jumpClientLifecycle: init-script start → online in the jump list with its
// flags, search, rename, stop → offline, remove → jc_not_found.
func jumpClientLifecycle(t *testing.T, s *sitetest.Site, dir string) {
	initScript := func(arg string) {
		t.Helper()
		if out, err := exec.Command(filepath.Join(dir, "init-script"), arg).CombinedOutput(); err != nil {
			t.Fatalf("init-script %s: %v\n%s", arg, err, out)
		}
	}
	list := func(query string) jcList {
		var l jcList
		if st := s.Do(s.Token, "GET", "/api/v1/jump-clients"+query, nil, &l); st != 200 {
			t.Fatalf("list: %d", st)
		}
		return l
	}
	initScript("start")
	t.Cleanup(func() { exec.Command(filepath.Join(dir, "init-script"), "stop").Run() })
	sitetest.WaitFor(t, "jump client online", func() bool {
		l := list("")
		return len(l.Items) == 1 && l.Items[0].Status == "online"
	})
	l := list("")
	jc := l.Items[0]
	if jc.Tag != "web" || jc.Comments != "front door" || jc.Group != "user:tech" || l.Counts["online"] != 1 || l.Counts["total"] != 1 {
		t.Fatalf("jump list: %+v", l)
	}
	if n := len(list("?q=FRONT&fields=comments").Items); n != 1 {
		t.Fatalf("search comments: %d", n)
	}
	if n := len(list("?q=front&fields=tag").Items); n != 0 {
		t.Fatalf("search outside the chosen fields: %d", n)
	}
	if st := s.Do(s.Token, "PATCH", "/api/v1/jump-clients/"+jc.ID, map[string]any{"name": "web-01"}, nil); st != 200 {
		t.Fatalf("rename: %d", st)
	}
	if got := list("?q=web-01&fields=name").Items; len(got) != 1 || got[0].Name != "web-01" {
		t.Fatalf("renamed: %+v", got)
	}
	initScript("stop")
	sitetest.WaitFor(t, "jump client offline", func() bool {
		l := list("")
		return len(l.Items) == 1 && l.Items[0].Status == "offline" && l.Counts["offline"] == 1
	})
	if st := s.Do(s.Token, "DELETE", "/api/v1/jump-clients/"+jc.ID, nil, nil); st != 200 {
		t.Fatalf("remove: %d", st)
	}
	var eb sitetest.ErrorBody
	if st := s.Do(s.Token, "PATCH", "/api/v1/jump-clients/"+jc.ID, map[string]any{"name": "x"}, &eb); st != 404 || eb.Error.Code != "jc_not_found" {
		t.Fatalf("after removal: %d %+v", st, eb)
	}
	// Started again, the removed client is refused and stops by itself.
	out, err := exec.Command(filepath.Join(dir, "init-script"), "start").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "The Jump Client does not exist.") {
		t.Fatalf("start after removal: %v\n%s", err, out)
	}
}
