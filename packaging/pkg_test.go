package packaging

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/macapp"
	"github.com/tetherhq/tether/packaging/internal/bom"
	"github.com/tetherhq/tether/packaging/internal/cpio"
	"github.com/tetherhq/tether/packaging/internal/xar"
)

var pkgTime = time.Unix(1700000000, 0)

// syntheticAgent stands in for the universal agent where only its bytes
// matter (goldens need a fixed size).
func syntheticAgent(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7>>5) ^ byte(i>>11)
	}
	return b
}

func buildPkg(t testing.TB, mode string, agent, config []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	err := BuildPkg(&b, PkgOptions{InstallerID: "abc123", Mode: mode, Config: config,
		Agent: bytes.NewReader(agent), AgentSize: int64(len(agent)), ModTime: pkgTime})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// openPkg opens a .pkg with our xar reader (which checks the TOC SHA-1)
// and returns every file, checked against its archived and extracted SHA-1.
func openPkg(t *testing.T, pkg []byte) map[string][]byte {
	t.Helper()
	a, err := xar.Open(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	var names []string
	for _, f := range a.Files {
		names = append(names, f.Path)
		if f.Type != "file" {
			continue
		}
		if files[f.Path], err = a.ReadFile(f.Path, 256<<20); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"Distribution", "tether.pkg", "tether.pkg/PackageInfo", "tether.pkg/Bom", "tether.pkg/Payload", "tether.pkg/Scripts"}
	if !slices.Equal(names, want) {
		t.Fatalf("pkg holds %q, want %q", names, want)
	}
	return files
}

func gunzipCpio(t *testing.T, gz []byte) map[string]cpio.Entry {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := cpio.ReadAll(zr, 256<<20)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]cpio.Entry{}
	for _, e := range entries {
		out[e.Name] = e
	}
	return out
}

func TestPkgContents(t *testing.T) {
	agent := syntheticAgent(300000)
	config := testRecord(t)
	files := openPkg(t, buildPkg(t, "service", agent, config))

	golden(t, "pkg-distribution.golden", string(files["Distribution"]))
	golden(t, "pkg-packageinfo.golden", string(files["tether.pkg/PackageInfo"]))

	payload := gunzipCpio(t, files["tether.pkg/Payload"])
	if e := payload["./tether"]; !bytes.Equal(e.Data, agent) || e.Mode != cpio.TypeRegular|0o755 || e.UID != 0 || e.GID != 0 {
		t.Errorf("payload tether: mode %o uid %d gid %d, same bytes %v", e.Mode, e.UID, e.GID, bytes.Equal(e.Data, agent))
	}
	if e := payload["./uninstall"]; !bytes.Equal(e.Data, pkgUninstallScript) || e.Mode != cpio.TypeRegular|0o755 {
		t.Errorf("payload uninstall: mode %o", e.Mode)
	}
	if e := payload["."]; !e.IsDir() || e.Mode&0o777 != 0o755 || len(payload) != 3 {
		t.Errorf("payload: %d entries, root %o", len(payload), e.Mode)
	}

	scripts := gunzipCpio(t, files["tether.pkg/Scripts"])
	for _, s := range []string{"./preinstall", "./postinstall"} {
		if e := scripts[s]; e.Mode != cpio.TypeRegular|0o755 || !bytes.HasPrefix(e.Data, []byte("#!/bin/sh\n")) {
			t.Errorf("%s: mode %o, starts %q", s, e.Mode, e.Data[:min(len(e.Data), 12)])
		}
	}
	if e := scripts["./"+macapp.ConfigFileName]; !bytes.Equal(e.Data, config) || e.Mode != cpio.TypeRegular|0o600 {
		t.Errorf("config in Scripts: mode %o, equal %v", e.Mode, bytes.Equal(e.Data, config))
	}

	// The Bom must describe exactly the payload.
	bf, err := bom.Read(files["tether.pkg/Bom"])
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range bf.Entries {
		p := payload[e.Path]
		if p.Name == "" {
			t.Errorf("Bom lists %s, the payload does not", e.Path)
			continue
		}
		want := bom.Entry{Path: e.Path, Dir: p.IsDir(), Mode: uint16(p.Mode & 0o7777), MTime: uint32(p.MTime)}
		if !p.IsDir() {
			want.Size, want.Checksum = uint32(len(p.Data)), bom.Cksum(p.Data)
		}
		if e != want {
			t.Errorf("Bom %+v, payload says %+v", e, want)
		}
	}
	if len(bf.Entries) != len(payload) {
		t.Errorf("Bom has %d entries, payload %d", len(bf.Entries), len(payload))
	}
}

// TestPkgWithTools reads the package the way a Mac would see it, with
// independent tools: libarchive's xar reader (which checks every SHA-1)
// and GNU cpio for the gzip'd archives inside.
func TestPkgWithTools(t *testing.T) {
	for _, tool := range []string{"bsdtar", "cpio"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("TETHER_REQUIRE_PKGTOOLS") != "" {
				t.Fatalf("%s not installed (scripts/deps.sh)", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	agent := universalHello(t)
	config := testRecord(t)
	dir := t.TempDir()
	pkg := filepath.Join(dir, "tether-abc123.pkg")
	os.WriteFile(pkg, buildPkg(t, "user", agent, config), 0o644)
	run := func(stdin io.Reader, wd string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Stdin = wd, stdin
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}
	list := run(nil, dir, "bsdtar", "-tf", pkg)
	if want := "Distribution\ntether.pkg\ntether.pkg/PackageInfo\ntether.pkg/Bom\ntether.pkg/Payload\ntether.pkg/Scripts\n"; list != want {
		t.Errorf("bsdtar -tf:\n%s", list)
	}
	x := filepath.Join(dir, "x")
	os.Mkdir(x, 0o755)
	run(nil, dir, "bsdtar", "-xf", pkg, "-C", x)
	for _, part := range []string{"Payload", "Scripts"} {
		gz, _ := os.ReadFile(filepath.Join(x, "tether.pkg", part))
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatalf("%s is not gzip: %v", part, err)
		}
		raw, _ := io.ReadAll(zr)
		out := filepath.Join(dir, part)
		os.Mkdir(out, 0o755)
		run(bytes.NewReader(raw), out, "cpio", "-idm", "--quiet", "--no-preserve-owner")
		listing := run(bytes.NewReader(raw), out, "cpio", "-itv", "--quiet")
		t.Logf("%s:\n%s", part, listing)
	}
	check := func(p string, perm os.FileMode, want []byte) {
		t.Helper()
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != perm {
			t.Errorf("%s: %v (%v), want mode %v", p, st, err, perm)
			return
		}
		if got, _ := os.ReadFile(p); want != nil && !bytes.Equal(got, want) {
			t.Errorf("%s: content differs", p)
		}
	}
	check(filepath.Join(dir, "Payload", "tether"), 0o755, agent)
	check(filepath.Join(dir, "Payload", "uninstall"), 0o755, pkgUninstallScript)
	check(filepath.Join(dir, "Scripts", "preinstall"), 0o755, nil)
	check(filepath.Join(dir, "Scripts", "postinstall"), 0o755, nil)
	check(filepath.Join(dir, "Scripts", macapp.ConfigFileName), 0o600, config)
	for _, s := range []string{"preinstall", "postinstall"} {
		for _, sh := range shells(t) {
			if out, err := exec.Command(sh, "-n", filepath.Join(dir, "Scripts", s)).CombinedOutput(); err != nil {
				t.Errorf("%s -n %s: %v %s", sh, s, err, out)
			}
		}
	}
}

func TestPkgPrebuiltPayload(t *testing.T) {
	agent := syntheticAgent(100000)
	config := testRecord(t)
	p, err := NewPkgPayload(bytes.NewReader(agent), int64(len(agent)), pkgTime)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := BuildPkg(&b, PkgOptions{InstallerID: "abc123", Config: config, Payload: p, ModTime: pkgTime}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), buildPkg(t, "service", agent, config)) {
		t.Error("a package from the prebuilt payload differs from one built in one go")
	}
	// The payload is reusable: a second download from it is the same.
	var b2 bytes.Buffer
	BuildPkg(&b2, PkgOptions{InstallerID: "abc123", Config: config, Payload: p, ModTime: pkgTime})
	if !bytes.Equal(b.Bytes(), b2.Bytes()) {
		t.Error("second package from the same payload differs")
	}
}

func TestPkgRejects(t *testing.T) {
	config := testRecord(t)
	a := func() io.Reader { return bytes.NewReader([]byte("agent")) }
	for name, o := range map[string]PkgOptions{
		"no id":     {Config: config, Agent: a(), AgentSize: 5},
		"bad id":    {InstallerID: "../x", Config: config, Agent: a(), AgentSize: 5},
		"bad mode":  {InstallerID: "x", Mode: "root", Config: config, Agent: a(), AgentSize: 5},
		"no config": {InstallerID: "x", Agent: a(), AgentSize: 5},
		"no agent":  {InstallerID: "x", Config: config},
		"bad pkgid": {InstallerID: "x", Identifier: "a b", Config: config, Agent: a(), AgentSize: 5},
	} {
		if err := BuildPkg(io.Discard, o); !errors.Is(err, ErrPkgOptions) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	err := BuildPkg(io.Discard, PkgOptions{InstallerID: "x", Config: config, Agent: a(), AgentSize: 6})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short agent: err = %v", err)
	}
}

func BenchmarkNewPkgPayload(b *testing.B) {
	agent := benchAgent(b)
	b.SetBytes(int64(len(agent)))
	for b.Loop() {
		if _, err := NewPkgPayload(bytes.NewReader(agent), int64(len(agent)), pkgTime); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildPkgPerDownload is what the site pays per download once the
// payload of the agent build is cached.
func BenchmarkBuildPkgPerDownload(b *testing.B) {
	agent := benchAgent(b)
	p, err := NewPkgPayload(bytes.NewReader(agent), int64(len(agent)), pkgTime)
	if err != nil {
		b.Fatal(err)
	}
	config := testRecord(b)
	for b.Loop() {
		if err := BuildPkg(io.Discard, PkgOptions{InstallerID: "abc123", Config: config, Payload: p}); err != nil {
			b.Fatal(err)
		}
	}
}

// golden compares got with testdata/name (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n%s", name, got)
	}
}
