package packaging

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// standInAgent records each call as one line "tether|arg|…" in
// $FAKE_AGENT_LOG; `install --install-dir DIR …` creates DIR/state/
// install.json and `uninstall --install-dir DIR` removes DIR, so the
// package scripts see what a real agent would leave.
const standInAgent = `#!/bin/sh
printf 'tether' >>"$FAKE_AGENT_LOG"
for a in "$@"; do printf '|%s' "$a" >>"$FAKE_AGENT_LOG"; done
echo >>"$FAKE_AGENT_LOG"
case $1 in
install) mkdir -p "$3/state" && : >"$3/state/install.json" ;;
uninstall) rm -rf "$3" ;;
esac
`

func linuxPkg(t testing.TB, format, id string, agent []byte, mut func(*LinuxPkgOptions)) []byte {
	t.Helper()
	o := LinuxPkgOptions{InstallerID: id, Arch: "amd64", Agent: bytes.NewReader(agent), AgentSize: int64(len(agent)),
		ModTime: pkgTime, TempDir: t.TempDir()}
	if mut != nil {
		mut(&o)
	}
	var b bytes.Buffer
	build := map[string]func(io.Writer, LinuxPkgOptions) error{"deb": BuildDeb, "rpm": BuildRPM}[format]
	if err := build(&b, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// needTool skips (or, with TETHER_REQUIRE_PKGTOOLS=1, fails) without name.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("TETHER_REQUIRE_PKGTOOLS") != "" {
			t.Fatalf("%s not installed (scripts/deps.sh)", name)
		}
		t.Skipf("%s not installed", name)
	}
}

func writeTemp(t *testing.T, name string, b []byte) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func output(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func mustContain(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s lacks %q:\n%s", what, p, s)
		}
	}
}

func TestDebWithDpkgDeb(t *testing.T) {
	needTool(t, "dpkg-deb")
	deb := writeTemp(t, "tether-abc123.deb", linuxPkg(t, "deb", "abc123", []byte(standInAgent), nil))
	info := output(t, "dpkg-deb", "-I", deb)
	mustContain(t, "dpkg-deb -I", info, "Package: tether-jump-client-abc123", "Version: 1.0.0-1", "Architecture: amd64",
		"Maintainer: Tether <support@tether.invalid>", "Section: admin", " postinst ", " prerm ")
	list := output(t, "dpkg-deb", "-c", deb)
	mustContain(t, "dpkg-deb -c", list, "-rwxr-xr-x root/root", "./usr/lib/tether/abc123/tether")
	ctrl := t.TempDir()
	output(t, "dpkg-deb", "-e", deb, ctrl)
	for script, goldenName := range map[string]string{"postinst": "deb-postinst.golden", "prerm": "deb-prerm.golden"} {
		b, err := os.ReadFile(filepath.Join(ctrl, script))
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(filepath.Join(ctrl, script)); st.Mode().Perm() != 0o755 {
			t.Errorf("%s mode %v", script, st.Mode())
		}
		golden(t, goldenName, string(b))
		for _, sh := range shells(t) {
			if out, err := exec.Command(sh, "-n", filepath.Join(ctrl, script)).CombinedOutput(); err != nil {
				t.Errorf("%s -n %s: %v %s", sh, script, err, out)
			}
		}
	}
	x := t.TempDir()
	output(t, "dpkg-deb", "-x", deb, x)
	if b, _ := os.ReadFile(filepath.Join(x, "usr/lib/tether/abc123/tether")); string(b) != standInAgent {
		t.Error("packaged agent differs")
	}
}

func TestRPMWithRpm(t *testing.T) {
	needTool(t, "rpm")
	rpm := writeTemp(t, "tether-abc123.rpm", linuxPkg(t, "rpm", "abc123", []byte(standInAgent), nil))
	info := output(t, "rpm", "-qip", rpm)
	mustContain(t, "rpm -qip", info, "tether-jump-client-abc123", "1.0.0", "x86_64", "Tether remote support jump client")
	scripts := output(t, "rpm", "-qp", "--scripts", rpm)
	mustContain(t, "rpm -qp --scripts", scripts, "postinstall scriptlet (using /bin/sh)", "preuninstall scriptlet (using /bin/sh)",
		`"$STAGED" install --install-dir "$DIR" --mode service --user "$RUN_AS" --silent`,
		`"$STAGED" uninstall --install-dir "$DIR"`, `[ "$1" = 0 ] || exit 0`)
	golden(t, "rpm-scripts.golden", scripts)
	list := output(t, "rpm", "-qplv", rpm)
	mustContain(t, "rpm -qplv", list, "-rwxr-xr-x", "root", "/usr/lib/tether/abc123/tether")
}

// TestLinuxScriptsWithFakes runs the rendered scripts under dash and bash
// against a temporary root, with stand-ins for id, useradd, stat and
// runuser, to cover what a real dpkg run on this machine cannot: making
// the default account, and telling the site as the jump client's user.
func TestLinuxScriptsWithFakes(t *testing.T) {
	for _, sh := range shells(t) {
		for _, format := range []string{"deb", "rpm"} {
			t.Run(filepath.Base(sh)+"/"+format, func(t *testing.T) { linuxScriptsWithFakes(t, sh, format) })
		}
	}
}

func linuxScriptsWithFakes(t *testing.T, sh, format string) {
	root := t.TempDir()
	bin := filepath.Join(root, "fakebin")
	os.Mkdir(bin, 0o755)
	log := filepath.Join(root, "log")
	fakes := map[string]string{
		"id": `case $2 in
tether) [ -f "$FAKE_ROOT/user-made" ] || exit 1 ;;
nosuchuser) exit 1 ;;
esac
echo 999`,
		"useradd": `log useradd "$@"; : >"$FAKE_ROOT/user-made"`,
		"stat":    `echo alice`,
		"runuser": `log runuser "$@"`,
	}
	for name, body := range fakes {
		os.WriteFile(filepath.Join(bin, name), []byte(strings.ReplaceAll(fakeScript(body), "FAKE_LOG", "FAKE_AGENT_LOG")), 0o755)
	}
	d := &linuxPkgData{Format: format, Staged: filepath.Join(root, "usr/lib/tether/abc123/tether"), Dir: filepath.Join(root, "opt/tether-abc123"),
		Home: "/var/lib/tether-home"}
	d.InstallerID, d.User, d.Name = "abc123", "tether", "tether-jump-client-abc123"
	os.MkdirAll(filepath.Dir(d.Staged), 0o755)
	os.WriteFile(d.Staged, []byte(standInAgent), 0o755)
	scripts := map[string]string{}
	for _, name := range []string{"postinstall", "preremove"} {
		var b bytes.Buffer
		if err := linuxTemplates.ExecuteTemplate(&b, name, d); err != nil {
			t.Fatal(err)
		}
		scripts[name] = filepath.Join(root, name)
		os.WriteFile(scripts[name], b.Bytes(), 0o755)
	}
	arg := map[string][2]string{"deb": {"configure", "remove"}, "rpm": {"1", "0"}}[format]
	run := func(script, a string, env ...string) (string, error) {
		cmd := exec.Command(sh, scripts[script], a)
		cmd.Env = append(os.Environ(), append(env, "PATH="+bin+":"+os.Getenv("PATH"), "FAKE_AGENT_LOG="+log, "FAKE_ROOT="+root)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	calls := func() string { b, _ := os.ReadFile(log); os.Remove(log); return strings.TrimSpace(string(b)) }

	if out, err := run("postinstall", arg[0]); err != nil {
		t.Fatalf("postinstall: %v\n%s", err, out)
	}
	want := "useradd|--system|--user-group|--create-home|--home-dir|/var/lib/tether-home|--shell|/bin/sh|tether\n" +
		"tether|install|--install-dir|" + d.Dir + "|--mode|service|--user|tether|--silent"
	if got := calls(); got != want {
		t.Errorf("postinstall calls:\n%s\nwant:\n%s", got, want)
	}
	// Upgrades keep the jump client: postinstall again, preremove with the
	// upgrade argument.
	if out, err := run("postinstall", map[string]string{"deb": "configure", "rpm": "2"}[format]); err != nil || !strings.Contains(out, "keeping it") {
		t.Errorf("postinstall on upgrade: %v %s", err, out)
	}
	if out, err := run("preremove", map[string]string{"deb": "upgrade", "rpm": "1"}[format]); err != nil {
		t.Errorf("preremove on upgrade: %v %s", err, out)
	}
	if got := calls(); got != "" {
		t.Errorf("upgrade called: %s", got)
	}
	// Removal tells the site as the owner of the install dir, then lets
	// the root-owned agent uninstall.
	os.WriteFile(filepath.Join(d.Dir, "tether"), []byte("#!/bin/sh\n"), 0o755)
	if out, err := run("preremove", arg[1]); err != nil {
		t.Fatalf("preremove: %v\n%s", err, out)
	}
	want = "runuser|-u|alice|--|" + d.Dir + "/tether|uninstall|--report-only\n" +
		"tether|uninstall|--install-dir|" + d.Dir
	if got := calls(); got != want {
		t.Errorf("preremove calls:\n%s\nwant:\n%s", got, want)
	}
	// A named account must exist; it is never created.
	if out, err := run("postinstall", arg[0], "TETHER_USER=nosuchuser"); err == nil || !strings.Contains(out, "nosuchuser") {
		t.Errorf("unknown TETHER_USER: %v %s", err, out)
	}
}

func TestLinuxPkgRejects(t *testing.T) {
	a := func() io.Reader { return strings.NewReader("agent") }
	for name, o := range map[string]LinuxPkgOptions{
		"no id":     {Arch: "amd64", Agent: a(), AgentSize: 5},
		"bad arch":  {InstallerID: "x", Arch: "sparc", Agent: a(), AgentSize: 5},
		"no agent":  {InstallerID: "x", Arch: "amd64"},
		"root user": {InstallerID: "x", Arch: "amd64", Agent: a(), AgentSize: 5, User: "root"},
		"bad user":  {InstallerID: "x", Arch: "amd64", Agent: a(), AgentSize: 5, User: "a b"},
		"bad name":  {InstallerID: "x", Arch: "amd64", Agent: a(), AgentSize: 5, Name: "Tether"},
	} {
		if err := BuildDeb(io.Discard, o); !errors.Is(err, ErrLinuxPkgOptions) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	err := BuildRPM(io.Discard, LinuxPkgOptions{InstallerID: "x", Arch: "arm64", Agent: a(), AgentSize: 9, TempDir: t.TempDir()})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short agent: err = %v", err)
	}
}

func randomID(t *testing.T) string {
	b := make([]byte, 4)
	rand.Read(b)
	return "t" + hex.EncodeToString(b)
}

// benchAgent is a real Go binary, with a real agent's compressibility:
// this test binary.
func benchAgent(b *testing.B) []byte {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkBuildDeb(b *testing.B) {
	agent := benchAgent(b)
	b.SetBytes(int64(len(agent)))
	for b.Loop() {
		linuxPkg(b, "deb", "abc123", agent, nil)
	}
}

func BenchmarkBuildRPM(b *testing.B) {
	agent := benchAgent(b)
	b.SetBytes(int64(len(agent)))
	for b.Loop() {
		linuxPkg(b, "rpm", "abc123", agent, nil)
	}
}
