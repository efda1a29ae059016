//go:build unix

package shell

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func testShell() []string { return []string{"/bin/sh"} }

func TestEcho(t *testing.T) {
	tm := start(t, Options{Command: testShell(), AllowRoot: true})
	tm.send("echo $((6*7))\n")
	tm.expect(`42\r\n`)
}

func TestUTF8(t *testing.T) {
	tm := start(t, Options{Command: testShell(), AllowRoot: true})
	// (Typed input is echoed, possibly before the prompt: patterns match
	// only what the commands print.)
	// Output: printf decodes octal escapes, so "é€" appears only if the
	// bytes survive the terminal (the typed command shows backslashes).
	tm.send(`printf '<\303\251\342\202\254>\n'` + "\n")
	tm.expect(`<é€>`)
	// Input: typed UTF-8 reaches the program byte for byte.
	tm.send("echo é€ | od -An -tx1\n")
	tm.expect(`c3 a9 e2 82 ac`)
}

func TestSizeAndResize(t *testing.T) {
	tm := start(t, Options{Command: testShell(), AllowRoot: true, Cols: 100, Rows: 30})
	tm.send("stty size\n")
	tm.expect(`30 100\r\n`)
	if err := tm.s.Resize(132, 43); err != nil {
		t.Fatal(err)
	}
	tm.send("stty size\n")
	tm.expect(`43 132\r\n`)
	if err := tm.s.Resize(0, 10); err == nil {
		t.Error("resize to 0 columns accepted")
	}
}

func TestTerminalEnvironment(t *testing.T) {
	t.Setenv("LANG", "")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_CTYPE", "")
	tm := start(t, Options{Command: testShell(), AllowRoot: true, Env: []string{"EXTRA=yes", "TERM=dumb-override"}})
	tm.send(`echo "[$TERM|$LANG|$EXTRA]"` + "\n")
	tm.expect(`\[dumb-override\|C\.UTF-8\|yes\]\r\n`)
}

// TestDefaultLoginShell starts the user's shell from the user database as
// a login shell.
func TestDefaultLoginShell(t *testing.T) {
	want := passwdShell(uint32(os.Geteuid()))
	if want == "" {
		t.Skip("no passwd entry")
	}
	tm := start(t, Options{AllowRoot: true})
	tm.send(`echo "[$0]"` + "\n")
	tm.expect(`\[-` + filepath.Base(want) + `\]\r\n`)
}

// TestCloseKillsSession leaves a background job that ignores hangups (its
// own process group, as an interactive shell does), an orphan that ignores
// hangups (its parent exited, so no shell will forward anything to it) and
// a foreground child running, closes the session and checks that all are
// gone and that a pending Read returned.
func TestCloseKillsSession(t *testing.T) {
	bash, err := os.Stat("/bin/bash")
	if err != nil || bash.IsDir() {
		t.Skip("no bash")
	}
	tm := start(t, Options{Command: []string{"/bin/bash", "--norc", "-i"}, AllowRoot: true})
	tm.send("nohup sleep 1000 >/dev/null 2>&1 & echo bg=$!\n")
	bg, _ := strconv.Atoi(tm.expect(`bg=(\d+)`)[1])
	tm.send(`sh -c 'trap "" HUP; sleep 1002 & echo orphan=$!'` + "\n")
	orphan, _ := strconv.Atoi(tm.expect(`orphan=(\d+)`)[1])
	tm.send("sleep 1001\n")
	var fg int
	for deadline := time.Now().Add(5 * time.Second); fg == 0 && time.Now().Before(deadline); {
		for _, pid := range sessionMembers(tm.s.Pid()) {
			if cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); string(cmd) == "sleep\x001001\x00" {
				fg = pid
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Cleanup(func() { // should the test fail: leave nothing behind
		for _, pid := range []int{bg, orphan, fg} {
			if cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); strings.HasPrefix(string(cmd), "sleep\x00100") {
				unix.Kill(pid, unix.SIGKILL)
			}
		}
	})
	if fg == 0 || !alive(bg) || !alive(orphan) {
		t.Fatalf("children not running: bg %d, orphan %d, fg %d", bg, orphan, fg)
	}
	if pg, _ := unix.Getpgid(bg); pg == tm.s.Pid() {
		t.Errorf("the background job is in the shell's process group: job control is off")
	}

	if err := tm.s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range []int{bg, orphan, fg} {
		deadline := time.Now().Add(5 * time.Second)
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if alive(pid) {
			t.Errorf("child %d survived Close", pid)
		}
	}
	if err := tm.ended(); !errors.Is(err, io.EOF) {
		t.Errorf("pending Read returned %v, want io.EOF", err)
	}
	if err := tm.s.Wait(); err == nil {
		t.Error("Wait = nil for a killed shell")
	}
	if err := tm.s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// alive reports whether pid exists and is not a zombie (an orphan may wait
// a while for a reaper).
func alive(pid int) bool {
	if err := unix.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestRefusesRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		other := &User{Name: "root", UID: 0, GID: 0, Home: "/root"}
		if _, err := Start(t.Context(), Options{Command: testShell(), RunAs: other}); err == nil {
			t.Fatal("started as root from an unprivileged agent")
		}
		t.Skip("the rest needs root")
	}
	tests := []struct {
		name string
		opts Options
	}{
		{"as the agent", Options{Command: testShell()}},
		{"as a root user", Options{Command: testShell(), RunAs: &User{Name: "root", UID: 0, GID: 0, Home: "/root"}}},
		{"default shell", Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Start(t.Context(), tt.opts)
			if err == nil {
				s.Close()
			}
			if !errors.Is(err, ErrRoot) {
				t.Fatalf("err = %v, want ErrRoot", err)
			}
		})
	}
}

// TestRunAs runs the shell as an unprivileged user (root only, as in CI)
// and checks its identity and a fresh environment.
func TestRunAs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	u, err := LookupUser("nobody")
	if err != nil {
		t.Skipf("no unprivileged user: %v", err)
	}
	t.Setenv("TETHER_AGENT_SECRET", "leak")
	// nobody's login shell is nologin: name a shell.
	tm := start(t, Options{Command: testShell(), RunAs: u})
	tm.send(`echo "[$(id -u) $(id -g) $(id -G)|$USER|$LOGNAME|$HOME|$(pwd)|${TETHER_AGENT_SECRET:-none}]"` + "\n")
	m := tm.expect(`\[(\d+) (\d+) ([\d ]+)\|(.*)\|(.*)\|(.*)\|(.*)\|(.*)\]\r\n`)
	groups := strings.Fields(m[3])
	wantHome, wantDir := u.Home, u.Home
	if _, err := os.Stat(u.Home); err != nil {
		wantDir = "/"
	}
	if m[1] != strconv.Itoa(int(u.UID)) || m[2] != strconv.Itoa(int(u.GID)) || slices.Contains(groups, "0") ||
		m[4] != "nobody" || m[5] != "nobody" || m[6] != wantHome || m[7] != wantDir || m[8] != "none" {
		t.Errorf("shell as nobody reports %q", m[0])
	}
}

func TestCommandDefaults(t *testing.T) {
	tests := []struct {
		name     string
		user     User
		opts     Options
		wantPath string
		wantArgs []string
	}{
		{"login shell", User{UID: 12345, Shell: "/bin/sh"}, Options{}, "/bin/sh", []string{"-sh"}},
		{"missing shell", User{UID: 12345, Shell: "/nonexistent/zsh"}, Options{}, "/bin/sh", []string{"-sh"}},
		{"relative shell", User{UID: 12345, Shell: "sh"}, Options{}, "/bin/sh", []string{"-sh"}},
		{"explicit", User{UID: 12345, Shell: "/bin/sh"}, Options{Command: []string{"/bin/echo", "x"}}, "/bin/echo", []string{"/bin/echo", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, err := command(tt.opts, &tt.user)
			if err != nil {
				t.Fatal(err)
			}
			if cmd.Path != tt.wantPath || !slices.Equal(cmd.Args, tt.wantArgs) {
				t.Errorf("command %q %q, want %q %q", cmd.Path, cmd.Args, tt.wantPath, tt.wantArgs)
			}
		})
	}
}
