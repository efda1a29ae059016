//go:build linux

package packaging

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/installer"
)

// TestBinInstallsJumpClient is SPEC C5 end to end: a .bin around an agent
// whose `install` is the real installer, run as `sh ./tether-x.bin
// --install-dir … --user …`, then init-script start/status/stop and the
// uninstall script.
func TestBinInstallsJumpClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go binary")
	}
	agent := filepath.Join(t.TempDir(), "tether")
	if out, err := exec.Command("go", "build", "-o", agent, "./testdata/fakeagent").CombinedOutput(); err != nil {
		t.Fatalf("build fake agent: %v\n%s", err, out)
	}
	data, err := os.ReadFile(agent)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := BuildBin(&b, BinOptions{Name: "tether-e2e.bin", Agent: bytes.NewReader(data), AgentSize: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	for p := base; p != os.TempDir() && p != "/"; p = filepath.Dir(p) {
		os.Chmod(p, 0o755) // the --user account must reach the install dir
	}
	bin := filepath.Join(base, "tether-e2e.bin")
	os.WriteFile(bin, b.Bytes(), 0o644)

	dir := filepath.Join(base, "jump client")
	args := []string{bin, "--install-dir", dir, "--jc-tag", "servers", "--jc-comments", `rack "4"`, "--mode", "service"}
	uid := os.Getuid()
	if os.Geteuid() == 0 {
		// As root, C3 requires --user: check the refusal, then a real user.
		out, err := exec.Command("dash", args...).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != installer.ExitRootWithoutUser || !strings.Contains(string(out), "requires --user") {
			t.Fatalf("root without --user: %v %s", err, out)
		}
		name := addUser(t)
		u, _ := user.Lookup(name)
		uid, _ = strconv.Atoi(u.Uid)
		args = append(args, "--user", name)
	}
	if out, err := exec.Command("dash", args...).CombinedOutput(); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	} else if !strings.Contains(string(out), "Start the jump client with:") {
		t.Errorf("install output does not say how to start: %s", out)
	}
	rec, err := installer.ReadRecord(dir)
	if err != nil || rec.Tag != "servers" || rec.Comments != `rack "4"` || rec.Launcher != installer.LauncherInitScript {
		t.Fatalf("record %+v %v", rec, err)
	}
	script := filepath.Join(dir, "init-script")
	if out, err := exec.Command(script, "start").CombinedOutput(); err != nil {
		t.Fatalf("start: %v %s\n%s", err, out, readLog(dir))
	}
	t.Cleanup(func() { exec.Command(script, "stop").Run() })
	if out, err := exec.Command(script, "status").CombinedOutput(); err != nil {
		t.Fatalf("status: %v %s", err, out)
	}
	waitFile(t, filepath.Join(dir, "agent-uid"), strconv.Itoa(uid))
	if out, err := exec.Command(filepath.Join(dir, "uninstall")).CombinedOutput(); err != nil {
		t.Fatalf("uninstall: %v %s", err, out)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Error("uninstall left the directory")
	}
}

func readLog(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "tether.log"))
	return string(b)
}

func waitFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if string(b) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %q, want %q (agent not running as the right user?)", path, b, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func addUser(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("no useradd")
	}
	r := make([]byte, 3)
	rand.Read(r)
	name := "tpk" + hex.EncodeToString(r)
	if out, err := exec.Command("useradd", "-M", "-N", "-s", "/usr/sbin/nologin", name).CombinedOutput(); err != nil {
		t.Skipf("useradd: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", name).Run() })
	return name
}
