package packaging

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetherhq/tether/internal/macapp"
)

// The .pkg scripts run on macOS; here they run under dash and bash with
// stand-ins for the macOS commands they call (stat -f, dscl, launchctl,
// sudo, chown, pkgutil, id) and for the agent. Each stand-in appends a
// line "name|arg|arg|…" to $FAKE_LOG.

var macFakes = map[string]string{
	"stat":      `echo "$FAKE_CONSOLE_USER"`,
	"dscl":      `echo "NFSHomeDirectory: $FAKE_HOME"`,
	"id":        `if [ "$1" = -u ] && [ -n "$2" ]; then echo 501; elif [ "$1" = -u ]; then echo 0; fi`,
	"launchctl": `log launchctl "$@"; if [ "$1" = asuser ]; then shift 2; exec "$@"; fi`,
	"sudo": `log sudo "$@"
while :; do
	case $1 in
	-H) shift ;;
	-u) shift 2 ;;
	*) break ;;
	esac
done
exec "$@"`,
	"chown":   `log chown "$@"`,
	"pkgutil": `log pkgutil "$@"`,
}

// fakeMacAgent records its arguments; `install` makes the install dir the
// way tether install would and notes whether its config was beside it.
const fakeMacAgent = `
log tether "$@"
if [ "$1" = install ]; then
	[ -f "$(dirname "$0")/` + macapp.ConfigFileName + `" ] && log config-beside-agent
	mkdir -p "$3/state" && : >"$3/state/install.json" && cp "$0" "$3/tether"
	exit "${FAKE_INSTALL_STATUS:-0}"
fi
`

func fakeScript(body string) string {
	return "#!/bin/sh\nlog() { n=$1; shift; printf '%s' \"$n\" >>\"$FAKE_LOG\"; for a in \"$@\"; do printf '|%s' \"$a\" >>\"$FAKE_LOG\"; done; echo >>\"$FAKE_LOG\"; }\n" + body + "\n"
}

type macEnv struct {
	stage, scripts, home, log string
	env                       []string
}

// newMacEnv unpacks a user- or service-mode package's payload into a
// staging dir and its scripts into another, as Installer would.
func newMacEnv(t *testing.T, mode, consoleUser string) *macEnv {
	t.Helper()
	root := t.TempDir()
	e := &macEnv{stage: filepath.Join(root, "Library", "Application Support", "Tether", "abc123"),
		scripts: filepath.Join(root, "scripts"), home: filepath.Join(root, "Users", "alice"), log: filepath.Join(root, "log")}
	bin := filepath.Join(root, "fakebin")
	for _, d := range []string{e.stage, e.scripts, e.home, bin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range macFakes {
		os.WriteFile(filepath.Join(bin, name), []byte(fakeScript(body)), 0o755)
	}
	files := openPkg(t, buildPkg(t, mode, []byte("agent"), testRecord(t)))
	for name, ent := range gunzipCpio(t, files["tether.pkg/Payload"]) {
		if !ent.IsDir() {
			os.WriteFile(filepath.Join(e.stage, name), ent.Data, ent.FileMode())
		}
	}
	os.WriteFile(filepath.Join(e.stage, "tether"), []byte(fakeScript(fakeMacAgent)), 0o755)
	for name, ent := range gunzipCpio(t, files["tether.pkg/Scripts"]) {
		if !ent.IsDir() {
			os.WriteFile(filepath.Join(e.scripts, name), ent.Data, ent.FileMode())
		}
	}
	e.env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "FAKE_LOG="+e.log,
		"FAKE_CONSOLE_USER="+consoleUser, "FAKE_HOME="+e.home)
	return e
}

func (e *macEnv) run(t *testing.T, shell, script string, extraEnv ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(shell, script, "/Users/alice/Downloads/tether-abc123.pkg", e.stage, "/")
	cmd.Env = append(e.env, extraEnv...)
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

func (e *macEnv) calls() []string {
	b, _ := os.ReadFile(e.log)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func TestPkgPostinstallService(t *testing.T) {
	for _, sh := range shells(t) {
		t.Run(filepath.Base(sh), func(t *testing.T) {
			e := newMacEnv(t, "service", "alice")
			code, out := e.run(t, sh, filepath.Join(e.scripts, "postinstall"))
			if code != 0 {
				t.Fatalf("postinstall exit %d:\n%s", code, out)
			}
			dir := filepath.Join(e.stage, "jumpclient")
			want := []string{
				"tether|install|--install-dir|" + dir + "|--mode|service|--silent",
				"config-beside-agent",
				"tether|service|restart",
			}
			if got := e.calls(); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if st, err := os.Stat(filepath.Join(dir, macapp.ConfigFileName)); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("installed config: %v %v", st, err)
			}
			if _, err := os.Stat(filepath.Join(e.stage, macapp.ConfigFileName)); !os.IsNotExist(err) {
				t.Errorf("staged config left behind: %v", err)
			}
			info, _ := os.ReadFile(filepath.Join(e.stage, "install-info"))
			wantInfo := "MODE='service'\nDIR='" + dir + "'\nRUN_AS=''\nPKGID='com.tetherhq.jumpclient.abc123'\n"
			if string(info) != wantInfo {
				t.Errorf("install-info:\n%s\nwant:\n%s", info, wantInfo)
			}

			// Installing the package again keeps the jump client.
			os.Remove(e.log)
			if code, out := e.run(t, sh, filepath.Join(e.scripts, "postinstall")); code != 0 || !strings.Contains(out, "already installed") {
				t.Errorf("reinstall: exit %d\n%s", code, out)
			}
			if b, _ := os.ReadFile(e.log); len(b) != 0 {
				t.Errorf("reinstall called:\n%s", b)
			}

			// The admin's uninstall script removes it through the installed binary.
			os.Remove(e.log)
			code, out = e.run(t, sh, filepath.Join(e.stage, "uninstall"))
			if code != 0 {
				t.Fatalf("uninstall exit %d:\n%s", code, out)
			}
			want = []string{"tether|uninstall", "pkgutil|--forget|com.tetherhq.jumpclient.abc123"}
			if got := e.calls(); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("uninstall calls:\n%s", strings.Join(got, "\n"))
			}
			if _, err := os.Stat(e.stage); !os.IsNotExist(err) {
				t.Errorf("uninstall left %s", e.stage)
			}
		})
	}
}

func TestPkgPostinstallUser(t *testing.T) {
	for _, sh := range shells(t) {
		t.Run(filepath.Base(sh), func(t *testing.T) {
			e := newMacEnv(t, "user", "alice")
			if code, out := e.run(t, sh, filepath.Join(e.scripts, "preinstall")); code != 0 {
				t.Fatalf("preinstall exit %d: %s", code, out)
			}
			code, out := e.run(t, sh, filepath.Join(e.scripts, "postinstall"))
			if code != 0 {
				t.Fatalf("postinstall exit %d:\n%s", code, out)
			}
			dir := filepath.Join(e.home, "Library", "Application Support", "tether-abc123")
			calls := e.calls()
			// The install runs as alice in her launchd session, from a
			// private copy of the agent and config.
			var install string
			for _, c := range calls {
				if strings.HasPrefix(c, "launchctl|asuser|501|sudo|-H|-u|alice|/tmp/tether-install.") && strings.Contains(c, "/tether|install|") {
					install = c
				}
			}
			if !strings.HasSuffix(install, "/tether|install|--install-dir|"+dir+"|--mode|user|--silent") {
				t.Errorf("no install as alice in her session; calls:\n%s", strings.Join(calls, "\n"))
			}
			if !strings.Contains(strings.Join(calls, "\n"), "config-beside-agent") {
				t.Error("the config was not next to the agent during tether install")
			}
			if _, err := os.Stat(filepath.Join(dir, macapp.ConfigFileName)); err != nil {
				t.Errorf("installed config: %v", err)
			}
			if tmp := strings.Split(install, "|")[7]; tmp != "" {
				if _, err := os.Stat(filepath.Dir(tmp)); !os.IsNotExist(err) {
					t.Errorf("temporary copy %s left behind", filepath.Dir(tmp))
				}
			}
			info, _ := os.ReadFile(filepath.Join(e.stage, "install-info"))
			if !bytes.Contains(info, []byte("MODE='user'\nDIR='"+dir+"'\nRUN_AS='alice'\n")) {
				t.Errorf("install-info:\n%s", info)
			}
			os.Remove(e.log)
			if code, out := e.run(t, sh, filepath.Join(e.stage, "uninstall")); code != 0 {
				t.Fatalf("uninstall exit %d:\n%s", code, out)
			}
			if c := e.calls(); len(c) < 3 || c[0] != "launchctl|asuser|501|sudo|-H|-u|alice|"+dir+"/tether|uninstall" {
				t.Errorf("uninstall calls:\n%s", strings.Join(c, "\n"))
			}
		})
	}
}

func TestPkgScriptsRefuse(t *testing.T) {
	sh := shells(t)[0]
	// Nobody at the screen: a user-mode package stops in preinstall.
	e := newMacEnv(t, "user", "loginwindow")
	if code, out := e.run(t, sh, filepath.Join(e.scripts, "preinstall")); code == 0 || !strings.Contains(out, "nobody is logged in") {
		t.Errorf("preinstall without a user: exit %d %s", code, out)
	}
	// Another volume than the startup disk.
	e = newMacEnv(t, "service", "alice")
	cmd := exec.Command(sh, filepath.Join(e.scripts, "preinstall"), "x.pkg", e.stage, "/Volumes/Other")
	cmd.Env = e.env
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("preinstall on another volume succeeded: %s", out)
	}
	// A failing tether install fails the package and cleans up.
	code, out := e.run(t, sh, filepath.Join(e.scripts, "postinstall"), "FAKE_INSTALL_STATUS=3")
	if code == 0 || !strings.Contains(out, "exit status 3") {
		t.Errorf("failed install: exit %d %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(e.stage, macapp.ConfigFileName)); !os.IsNotExist(err) {
		t.Error("config left in the staging dir after a failure")
	}
	// The uninstall script wants root.
	e = newMacEnv(t, "service", "alice")
	os.WriteFile(filepath.Join(filepath.Dir(e.log), "fakebin", "id"), []byte(fakeScript("echo 501")), 0o755)
	if code, out := e.run(t, sh, filepath.Join(e.stage, "uninstall")); code == 0 || !strings.Contains(out, "sudo") {
		t.Errorf("uninstall as a user: exit %d %s", code, out)
	}
}
