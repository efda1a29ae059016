package packaging

import (
	"bytes"
	"crypto/rand"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/installer"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// fakeAgent records its arguments (one per line, NUL-terminated so that
// newlines inside arguments survive), its environment marker and its
// working directory, then exits 7 to show the exit status is passed on.
const fakeAgent = `#!/bin/sh
out=${FAKE_AGENT_OUT:?}
for a in "$@"; do printf '%s\0' "$a"; done >"$out"
printf '%s' "$TETHER_PACKAGE" >"$out.env"
pwd >"$out.pwd"
exit 7
`

func buildBin(t *testing.T, agent []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tether-abc.bin")
	var b bytes.Buffer
	err := BuildBin(&b, BinOptions{
		Name:      "tether-abc.bin",
		Agent:     bytes.NewReader(agent),
		AgentSize: int64(len(agent)),
		ModTime:   time.Unix(1700000000, 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func shells(t *testing.T) []string {
	var out []string
	for _, sh := range []string{"dash", "bash", "sh"} {
		if p, err := exec.LookPath(sh); err == nil {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Skip("no POSIX shell")
	}
	return out
}

type runResult struct {
	code   int
	stderr string
	args   []string
	env    string
	pwd    string
	work   string
}

func runBin(t *testing.T, shell, bin string, env []string, args ...string) runResult {
	t.Helper()
	work := t.TempDir()
	tmp := t.TempDir()
	out := filepath.Join(work, "args")
	cmd := exec.Command(shell, append([]string{bin}, args...)...)
	cmd.Dir = work
	cmd.Env = append(append(os.Environ(), "FAKE_AGENT_OUT="+out, "TMPDIR="+tmp), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	r := runResult{stderr: stderr.String(), work: work}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(out); err == nil {
		r.args = strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		e, _ := os.ReadFile(out + ".env")
		p, _ := os.ReadFile(out + ".pwd")
		r.env, r.pwd = string(e), strings.TrimSpace(string(p))
	}
	// The temp dir must be cleaned up whatever happened.
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("%s: temp files left behind: %v", shell, left)
	}
	return r
}

func TestBinForwardsArgsVerbatim(t *testing.T) {
	bin := buildBin(t, []byte(fakeAgent))
	args := []string{
		"--install-dir", "/home/u/jump client", "--user", "u",
		"--jc-tag", "x", "--jc-comments", `it's "quoted" $HOME *`,
		"", "multi\nline", "--jc-name=a b", "-x", "--",
	}
	for _, sh := range shells(t) {
		t.Run(filepath.Base(sh), func(t *testing.T) {
			r := runBin(t, sh, bin, nil, args...)
			if r.code != 7 {
				t.Fatalf("exit %d, want the agent's 7; stderr: %s", r.code, r.stderr)
			}
			want := append([]string{"install"}, args...)
			if strings.Join(r.args, "|") != strings.Join(want, "|") || len(r.args) != len(want) {
				t.Errorf("agent got %q\nwant %q", r.args, want)
			}
			if r.env != "bin" {
				t.Errorf("TETHER_PACKAGE=%q, want bin", r.env)
			}
			if r.pwd != r.work {
				t.Errorf("agent ran in %s; the caller's working dir must be kept", r.pwd)
			}
		})
	}
}

func TestBinNoArgs(t *testing.T) {
	bin := buildBin(t, []byte(fakeAgent))
	r := runBin(t, shells(t)[0], bin, nil)
	if r.code != 7 || len(r.args) != 1 || r.args[0] != "install" {
		t.Fatalf("code %d args %q stderr %s", r.code, r.args, r.stderr)
	}
}

func TestBinRefusesTamperedPayload(t *testing.T) {
	bin := buildBin(t, []byte(fakeAgent+strings.Repeat("# padding\n", 200)))
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	header, _ := renderBinHeader("tether-abc.bin")
	cases := map[string][]byte{
		"flipped payload byte": flip(data, len(header)+40),
		"flipped digest":       flip(data, len(data)-10),
		"truncated":            data[:len(data)-200],
		"header only":          header,
	}
	for name, corrupt := range cases {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(bin, corrupt, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, sh := range shells(t) {
				r := runBin(t, sh, bin, nil, "--silent")
				if r.code == 0 || r.code == 7 || r.args != nil {
					t.Errorf("%s: corrupted .bin ran the agent (exit %d)", sh, r.code)
				}
				if !strings.Contains(r.stderr, "tether-abc.bin: the installer is") {
					t.Errorf("%s: unclear message %q", sh, r.stderr)
				}
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x55
	return c
}

// TestBinOpensslFallback hides sha256sum/shasum to exercise the openssl path.
func TestBinOpensslFallback(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl")
	}
	dir := t.TempDir()
	for _, tool := range []string{"sh", "wc", "tr", "tail", "head", "cut", "sed", "mktemp", "rm", "mkdir", "gzip", "tar", "openssl", "cat"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("no %s", tool)
		}
		if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil {
			t.Fatal(err)
		}
	}
	bin := buildBin(t, []byte(fakeAgent))
	r := runBin(t, shells(t)[0], bin, []string{"PATH=" + dir}, "--jc-tag", "t")
	if r.code != 7 || len(r.args) != 3 {
		t.Fatalf("code %d args %q stderr %s", r.code, r.args, r.stderr)
	}
	// And with no digest tool at all it must refuse rather than skip the check.
	os.Remove(filepath.Join(dir, "openssl"))
	r = runBin(t, shells(t)[0], bin, []string{"PATH=" + dir})
	if r.code == 0 || r.args != nil || !strings.Contains(r.stderr, "need sha256sum") {
		t.Fatalf("without a digest tool: code %d stderr %s", r.code, r.stderr)
	}
}

// TestBinHeaderGolden renders the header and checks it parses in every shell.
func TestBinHeaderGolden(t *testing.T) {
	h, err := renderBinHeader("tether-abc.bin")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "bin-header.sh.golden", string(h))
	if !bytes.Contains(h, []byte("OFFSET="+strconv.Itoa(len(h))+"\n")) {
		t.Errorf("header does not carry its own length %d", len(h))
	}
	for _, sh := range shells(t) {
		if out, err := exec.Command(sh, "-n", filepath.Join("testdata", "bin-header.sh.golden")).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", sh, err, out)
		}
	}
	if strings.Contains(string(h), "$'") || strings.Contains(string(h), "[[") {
		t.Error("header uses bash-only syntax")
	}
}

func TestBinOptionsChecked(t *testing.T) {
	for _, o := range []BinOptions{
		{Name: "a/b.bin", Agent: bytes.NewReader([]byte("x")), AgentSize: 1},
		{Name: "a\nb.bin", Agent: bytes.NewReader([]byte("x")), AgentSize: 1},
		{Name: "ok.bin"},
	} {
		if err := BuildBin(&bytes.Buffer{}, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	// A short agent reader is an error, not a silently truncated binary.
	err := BuildBin(&bytes.Buffer{}, BinOptions{Agent: bytes.NewReader([]byte("abc")), AgentSize: 10})
	if err == nil {
		t.Error("short agent accepted")
	}
}

// The header sets the variable the installer reads to pick the init-script.
func TestBinEnvMatchesInstaller(t *testing.T) {
	if !strings.Contains(binHeaderText, installer.EnvPackage+"=bin ") {
		t.Errorf("header does not set %s=bin", installer.EnvPackage)
	}
}

func BenchmarkBuildBin15MB(b *testing.B) {
	agent := make([]byte, 15<<20)
	// Half random, half zeros: roughly as compressible as a Go binary.
	rand.Read(agent[:len(agent)/2])
	b.SetBytes(int64(len(agent)))
	for b.Loop() {
		if err := BuildBin(io.Discard, BinOptions{Agent: bytes.NewReader(agent), AgentSize: int64(len(agent))}); err != nil {
			b.Fatal(err)
		}
	}
}
