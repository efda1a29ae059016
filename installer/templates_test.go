package installer

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/tetherhq/tether/internal/testdir"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenData uses a dir with a space, a quote, % and $ so every quoting
// function is exercised by the golden files.
// It is the root-for-a-user case, so root's launcher and the scripts'
// branches for it are rendered too.
var goldenData = func() fileData {
	d := newFileData(`/opt/jump client's 100%$x`, "0123456789", "jcuser", "tether")
	d.RootLauncher, d.RootRecord = "/etc/init.d/tether-0123456789", "/var/lib/tether/installs/0123456789.json"
	return d
}()

var goldenFiles = []struct {
	tmpl, golden string
	check        func(t *testing.T, path string, b []byte)
}{
	{tmplInitScript, "init-script.golden", checkShell},
	{tmplUninstall, "uninstall.golden", checkShell},
	{tmplRootLauncher, "root-launcher.golden", checkShell},
	{tmplSystemdUser, "systemd-user.service.golden", checkSystemdUnit},
	{tmplDesktop, "autostart.desktop.golden", checkDesktop},
	{tmplLaunchAgent, "launchagent.plist.golden", checkPlist},
	{tmplRejoinDesktop, "rejoin.desktop.golden", checkRejoinDesktop},
	{tmplRejoinUnit, "rejoin.service.golden", checkSystemdUnit},
}

func TestGoldenFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		// Windows registers a service or a Run value instead (no files);
		// these are joined with the host's path separator, so only a
		// Linux or macOS agent renders them as they are used.
		t.Skip("init-script, systemd, XDG and launchd files are only rendered by Linux and macOS agents")
	}
	for _, g := range goldenFiles {
		t.Run(g.golden, func(t *testing.T) {
			got, err := render(g.tmpl, goldenData)
			if err != nil {
				t.Fatal(err)
			}
			compareGolden(t, g.golden, got)
			g.check(t, filepath.Join("testdata", g.golden), got)
		})
	}
}

// checkShell parses the script with every POSIX shell present.
func checkShell(t *testing.T, path string, b []byte) {
	t.Helper()
	n := 0
	for _, sh := range []string{"sh", "dash", "bash", "busybox"} {
		p, err := exec.LookPath(sh)
		if err != nil {
			continue
		}
		args := []string{"-n", path}
		if sh == "busybox" {
			args = append([]string{"sh"}, args...)
		}
		if out, err := exec.Command(p, args...).CombinedOutput(); err != nil {
			t.Errorf("%s -n %s: %v\n%s", sh, path, err, out)
		}
		n++
	}
	if n == 0 {
		t.Log("no shell found; scripts only compared with their golden files")
	}
	if !bytes.HasPrefix(b, []byte("#!/bin/sh\n")) {
		t.Error("script does not start with #!/bin/sh")
	}
	if !bytes.Contains(b, []byte(shellQuote(goldenData.Dir))) {
		t.Error("install dir not shell-quoted")
	}
}

// parseINI is a strict reader for systemd units and .desktop files:
// sections, key=value lines, comments; duplicate keys are errors except
// the ones systemd allows to repeat.
func parseINI(r io.Reader) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	var sec map[string]string
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[' && line[len(line)-1] == ']':
			name := line[1 : len(line)-1]
			if _, dup := out[name]; dup {
				return nil, fmt.Errorf("line %d: duplicate section %s", n, name)
			}
			sec = map[string]string{}
			out[name] = sec
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || sec == nil || strings.TrimSpace(k) == "" {
				return nil, fmt.Errorf("line %d: not key=value in a section: %q", n, line)
			}
			k = strings.TrimSpace(k)
			if _, dup := sec[k]; dup && k != "After" && k != "Wants" {
				return nil, fmt.Errorf("line %d: duplicate key %s", n, k)
			}
			sec[k] = strings.TrimSpace(v)
		}
	}
	return out, sc.Err()
}

func checkSystemdUnit(t *testing.T, _ string, b []byte) {
	t.Helper()
	ini, err := parseINI(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := systemdExec(goldenData.Command)
	if got := ini["Service"]["ExecStart"]; got != want {
		t.Errorf("ExecStart = %s, want %s", got, want)
	}
	if !strings.Contains(want, `100%%$$x`) {
		t.Errorf("%% and $ not escaped for systemd: %s", want)
	}
	if ini["Install"]["WantedBy"] != "default.target" {
		t.Error("user unit must be wanted by default.target")
	}
	if p, err := exec.LookPath("systemd-analyze"); err == nil {
		t.Logf("systemd-analyze at %s; unit verify needs a running systemd, skipped", p)
	}
}

func checkDesktop(t *testing.T, _ string, b []byte) {
	t.Helper()
	ini, err := parseINI(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	e := ini["Desktop Entry"]
	if e["Type"] != "Application" || e["Exec"] == "" || e["Name"] == "" {
		t.Errorf("incomplete desktop entry: %v", e)
	}
	if p, err := exec.LookPath("desktop-file-validate"); err == nil {
		path := filepath.Join(testdir.New(t), "tether.desktop")
		os.WriteFile(path, b, 0o644)
		if out, err := exec.Command(p, path).CombinedOutput(); err != nil {
			t.Errorf("desktop-file-validate: %v\n%s", err, out)
		}
	}
}

// checkRejoinDesktop also reads the command back as a session manager would.
func checkRejoinDesktop(t *testing.T, path string, b []byte) {
	t.Helper()
	checkDesktop(t, path, b)
	ini, _ := parseINI(bytes.NewReader(b))
	got, err := DesktopExecArgs(ini["Desktop Entry"]["Exec"])
	if err != nil || strings.Join(got, "\x00") != strings.Join(goldenData.Command, "\x00") {
		t.Errorf("Exec reads back as %q (%v), want %q", got, err, goldenData.Command)
	}
}

// checkPlist checks XML well-formedness and that ProgramArguments decodes
// back to the exact argv (no plutil on Linux).
func checkPlist(t *testing.T, _ string, b []byte) {
	t.Helper()
	type plist struct {
		Dict struct {
			Keys    []string `xml:"key"`
			Strings []string `xml:"string"`
			Array   struct {
				Strings []string `xml:"string"`
			} `xml:"array"`
		} `xml:"dict"`
	}
	var p plist
	if err := xml.Unmarshal(b, &p); err != nil {
		t.Fatalf("plist is not well-formed XML: %v", err)
	}
	if got, want := p.Dict.Array.Strings, goldenData.Command; strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("ProgramArguments = %q, want %q", got, want)
	}
	if len(p.Dict.Strings) == 0 || p.Dict.Strings[0] != goldenData.Label {
		t.Errorf("Label = %v", p.Dict.Strings)
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("plist token: %v", err)
		}
	}
}

// TestShellQuote: the shell quoting must round-trip through a real shell.
func TestShellQuote(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shellQuote writes Linux and macOS scripts; Windows has no /bin/sh to read them back")
	}
	for _, s := range []string{"", "a b", `it's`, `"$HOME"`, "x\ny", `\`, "'"} {
		out, err := exec.Command("/bin/sh", "-c", "printf %s "+shellQuote(s)).Output()
		if err != nil || string(out) != s {
			t.Errorf("shellQuote(%q) came back as %q (%v)", s, out, err)
		}
	}
}

func TestQuoting(t *testing.T) {
	if got := desktopExec([]string{`/a b/t"x`, "100%", `c:\d`}); got != `"/a b/t\\"x" "100%%" "c:\\\\d"` {
		t.Errorf("desktopExec = %s", got)
	}
	for in, want := range map[string]string{
		`C:\Program Files\Tether\tether.exe`: `"C:\Program Files\Tether\tether.exe"`,
		`C:\dir\`:                            `C:\dir\`,
		`C:\a dir\`:                          `"C:\a dir\\"`,
		`say "hi"`:                           `"say \"hi\""`,
		``:                                   `""`,
	} {
		if got := windowsQuote(in); got != want {
			t.Errorf("windowsQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
