package desktop

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tetherhq/tether/internal/x11"
)

// Finder searches one machine; its fields are the edges tests replace.
type Finder struct {
	SessionsDir string // systemd-logind's sessions, /run/systemd/sessions
	ProcDir     string // /proc
	SocketDir   string // /tmp/.X11-unix
	Getenv      func(string) string
	// Probe connects to display with xauthority and reports whether this
	// process may use it.
	Probe func(display, xauthority string) error
}

// DefaultFinder is the finder Find uses: this machine's real places.
func DefaultFinder() *Finder { return defaultFinder() }

func defaultFinder() *Finder {
	return &Finder{SessionsDir: "/run/systemd/sessions", ProcDir: "/proc", SocketDir: "/tmp/.X11-unix",
		Getenv: os.Getenv, Probe: probe}
}

func probe(display, xauthority string) error {
	c, err := x11.Dial(display, xauthority)
	if err != nil {
		return err
	}
	c.Close()
	return nil
}

// Find tries, in order: the environment ($DISPLAY), the active logind
// session on seat0 (then any active graphical one), and every X server
// socket. Each candidate is connected to before it is returned.
func (f *Finder) Find() (*Session, error) {
	var why []string
	if d := f.Getenv("DISPLAY"); d != "" {
		xa := f.Getenv("XAUTHORITY")
		if err := f.Probe(d, xa); err == nil {
			return &Session{Display: d, XAuthority: xa, User: currentUser(), Source: "environment"}, nil
		} else {
			why = append(why, fmt.Sprintf("$DISPLAY %s: %v", d, err))
		}
	}
	for _, ls := range f.logindSessions() {
		if ls.Display == "" {
			why = append(why, fmt.Sprintf("the active session of %s is %s without an X display", ls.User, ls.Type))
			continue
		}
		if s, err := f.tryDisplay(ls.Display, ls.UID, ls.User, "logind"); err == nil {
			return s, nil
		} else {
			why = append(why, err.Error())
		}
	}
	for _, d := range f.socketDisplays() {
		if s, err := f.tryDisplay(d, -1, "", "x11-socket"); err == nil {
			return s, nil
		} else {
			why = append(why, err.Error())
		}
	}
	if len(why) == 0 {
		return nil, fmt.Errorf("%w: nobody is logged in to a graphical session", ErrNoDisplay)
	}
	return nil, fmt.Errorf("%w: %s", ErrNoDisplay, strings.Join(why, "; "))
}

// tryDisplay connects to display with the authority its own programs use
// (found in their environment), else with its user's ~/.Xauthority, else
// with none.
func (f *Finder) tryDisplay(display string, uid int, userName, source string) (*Session, error) {
	cands := f.authoritiesFor(display, uid)
	if uid >= 0 {
		if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
			userName = u.Username
			cands = append(cands, filepath.Join(u.HomeDir, ".Xauthority"))
		}
	}
	cands = append(cands, "")
	var last error
	for _, xa := range slices.Compact(cands) {
		if err := f.Probe(display, xa); err == nil {
			return &Session{Display: display, XAuthority: xa, User: userName, Source: source}, nil
		} else {
			last = err
		}
	}
	who := ""
	if userName != "" {
		who = " (" + userName + "'s session)"
	}
	return nil, fmt.Errorf("display %s%s: %v", display, who, last)
}

// logindSession is one record of /run/systemd/sessions.
type logindSession struct {
	ID, User, Type, Display, Seat string
	UID                           int
	Active, Remote                bool
}

// logindSessions lists the active graphical sessions, seat0 first.
func (f *Finder) logindSessions() []logindSession {
	entries, _ := os.ReadDir(f.SessionsDir)
	var out []logindSession
	for _, e := range entries {
		if e.IsDir() || strings.Contains(e.Name(), ".") {
			continue
		}
		kv := readKeyValues(filepath.Join(f.SessionsDir, e.Name()))
		s := logindSession{ID: e.Name(), User: kv["USER"], Type: kv["TYPE"], Display: kv["DISPLAY"], Seat: kv["SEAT"],
			Active: kv["ACTIVE"] == "1", Remote: kv["REMOTE"] == "1", UID: -1}
		if n, err := strconv.Atoi(kv["UID"]); err == nil {
			s.UID = n
		}
		if !s.Active || s.Remote || (s.Type != "x11" && s.Type != "wayland" && s.Type != "mir") {
			continue
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b logindSession) int {
		if (a.Seat == "seat0") != (b.Seat == "seat0") {
			if a.Seat == "seat0" {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func readKeyValues(path string) map[string]string {
	m := map[string]string{}
	b, err := os.ReadFile(path)
	if err != nil {
		return m
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			m[k] = v
		}
	}
	return m
}

// socketDisplays lists the local X servers by their sockets.
func (f *Finder) socketDisplays() []string {
	entries, _ := os.ReadDir(f.SocketDir)
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutPrefix(e.Name(), "X"); ok {
			if _, err := strconv.Atoi(n); err == nil {
				out = append(out, ":"+n)
			}
		}
	}
	return out
}

// authoritiesFor returns the X authority files that programs on display
// use: $XAUTHORITY of processes (of uid, when ≥ 0) whose $DISPLAY is
// display, and the -auth file of the X server itself. Only processes this
// process may read count, which is the point: a jump client running as a
// user reaches that user's session, not another's.
func (f *Finder) authoritiesFor(display string, uid int) []string {
	want, err := x11.ParseDisplay(display)
	if err != nil {
		return nil
	}
	entries, _ := os.ReadDir(f.ProcDir)
	var out []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		dir := filepath.Join(f.ProcDir, e.Name())
		if uid >= 0 && ownerOf(dir) != uid {
			continue
		}
		if xa := serverAuth(filepath.Join(dir, "cmdline"), want.Number); xa != "" {
			out = append(out, xa)
		}
		env := readEnviron(filepath.Join(dir, "environ"))
		if d, err := x11.ParseDisplay(env["DISPLAY"]); err == nil && d == want && env["XAUTHORITY"] != "" {
			out = append(out, env["XAUTHORITY"])
		}
	}
	return out
}

func readEnviron(path string) map[string]string {
	m := map[string]string{}
	b, err := os.ReadFile(path)
	if err != nil {
		return m
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if k, v, ok := strings.Cut(string(kv), "="); ok && (k == "DISPLAY" || k == "XAUTHORITY") {
			m[k] = v
		}
	}
	return m
}

// serverAuth is the -auth file of an X server process serving display n.
func serverAuth(cmdline string, n int) string {
	b, err := os.ReadFile(cmdline)
	if err != nil {
		return ""
	}
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	if len(args) == 0 || !slices.Contains([]string{"X", "Xorg", "Xvfb", "Xwayland", "Xvnc"}, filepath.Base(args[0])) ||
		!slices.Contains(args, ":"+strconv.Itoa(n)) {
		return ""
	}
	if i := slices.Index(args, "-auth"); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

// Nowhere is a finder of a headless computer: no $DISPLAY, no logind
// sessions and no X sockets (both looked for in emptyDir). Tests of
// headless hosts use it on machines that run X servers.
func Nowhere(emptyDir string) *Finder {
	f := defaultFinder()
	f.SessionsDir, f.SocketDir = emptyDir, emptyDir
	f.Getenv = func(string) string { return "" }
	return f
}
