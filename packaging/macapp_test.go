package packaging

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"debug/macho"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/internal/macapp"
)

// parsePlist is a tiny XML property list reader for the tests: dict,
// array, string, integer, true and false, which is all Info.plist and
// launchd plists use. Dicts become map[string]any, arrays []any.
func parsePlist(data []byte) (any, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("plist: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "plist" {
				return nil, fmt.Errorf("plist: root element %q", se.Name.Local)
			}
			v, end, err := plistValue(d, 0)
			if err != nil {
				return nil, err
			}
			if end {
				return nil, errors.New("plist: empty")
			}
			return v, nil
		}
	}
}

// plistValue reads one value; end reports the closing tag of the parent.
func plistValue(d *xml.Decoder, depth int) (v any, end bool, err error) {
	if depth > 32 {
		return nil, false, errors.New("plist: too deep")
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, false, fmt.Errorf("plist: %w", err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil, true, nil
		case xml.StartElement:
			switch t.Name.Local {
			case "true", "false":
				if err := d.Skip(); err != nil {
					return nil, false, fmt.Errorf("plist: %w", err)
				}
				return t.Name.Local == "true", false, nil
			case "string", "integer", "key":
				var s string
				if err := d.DecodeElement(&s, &t); err != nil {
					return nil, false, fmt.Errorf("plist: %w", err)
				}
				if t.Name.Local == "key" {
					return plistKey(s), false, nil
				}
				return s, false, nil
			case "array":
				var a []any
				for {
					v, end, err := plistValue(d, depth+1)
					if err != nil || end {
						return a, false, err
					}
					a = append(a, v)
				}
			case "dict":
				m := map[string]any{}
				for {
					k, end, err := plistValue(d, depth+1)
					if err != nil || end {
						return m, false, err
					}
					key, ok := k.(plistKey)
					if !ok {
						return nil, false, errors.New("plist: dict entry without key")
					}
					v, end, err := plistValue(d, depth+1)
					if err != nil {
						return nil, false, err
					}
					if end {
						return nil, false, errors.New("plist: key without value")
					}
					m[string(key)] = v
				}
			default:
				return nil, false, fmt.Errorf("plist: unsupported element %q", t.Name.Local)
			}
		}
	}
}

type plistKey string

func FuzzParsePlist(f *testing.F) {
	o := MacAppOptions{Name: "Tether Support", BundleID: "com.tetherhq.support", Version: "1.0", MinimumOS: "10.15"}
	seed, _ := o.InfoPlist()
	f.Add(seed)
	f.Add([]byte(`<plist><array><string>a</string><dict><key>k</key><integer>1</integer></dict></array></plist>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		parsePlist(b) // must not panic or hang
	})
}

func testRecord(t testing.TB) []byte {
	t.Helper()
	return testRecordFor(t, nil)
}

// testRecordFor is a session record issued for the program agent, as the
// site issues one for the app's universal binary (macapp.ReadConfig checks
// it against the executable).
func testRecordFor(t testing.TB, agent []byte) []byte {
	t.Helper()
	cfg := &embedcfg.Config{Kind: embedcfg.KindSupport, SiteURL: "https://support.example", SessionCode: "123456789"}
	if agent != nil {
		l, err := embedcfg.Inspect(agent)
		if err != nil {
			t.Fatal(err)
		}
		cfg.BinarySHA256 = l.Digest
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	rec, err := embedcfg.Record(cfg, priv)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

type zipEntry struct {
	mode fs.FileMode
	data []byte
}

func readZip(t *testing.T, b []byte) map[string]zipEntry {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]zipEntry{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = zipEntry{f.Mode(), data}
	}
	return out
}

func TestBuildMacAppGenerated(t *testing.T) {
	agent := universalHello(t)
	rec := testRecordFor(t, agent)
	var b bytes.Buffer
	err := BuildMacApp(&b, MacAppOptions{Config: rec, Agent: bytes.NewReader(agent), AgentSize: int64(len(agent)),
		Version: "1.2.3", ModTime: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	files := readZip(t, b.Bytes())
	app := "Tether Support/Tether Support.app/"
	var names []string
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	want := []string{
		"Tether Support/",
		"Tether Support/" + macapp.ConfigFileName,
		app, app + "Contents/", app + "Contents/Info.plist", app + "Contents/MacOS/",
		app + "Contents/MacOS/tether", app + "Contents/PkgInfo", app + "Contents/Resources/",
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("zip holds\n%q\nwant\n%q", names, want)
	}
	if e := files[app+"Contents/MacOS/tether"]; e.mode != 0o755 || !bytes.Equal(e.data, agent) {
		t.Errorf("executable: mode %v, %d bytes (want 0755, %d)", e.mode, len(e.data), len(agent))
	}
	if fat, err := macho.NewFatFile(bytes.NewReader(files[app+"Contents/MacOS/tether"].data)); err != nil || len(fat.Arches) != 2 {
		t.Errorf("executable is not the universal binary: %v", err)
	}
	if e := files["Tether Support/"+macapp.ConfigFileName]; !bytes.Equal(e.data, rec) || e.mode != 0o644 {
		t.Errorf("config: mode %v, equal %v", e.mode, bytes.Equal(e.data, rec))
	}
	if !files[app].mode.IsDir() || !files["Tether Support/"].mode.IsDir() {
		t.Error("folders are not directories")
	}
	v, err := parsePlist(files[app+"Contents/Info.plist"].data)
	if err != nil {
		t.Fatal(err)
	}
	plist := v.(map[string]any)
	for k, want := range map[string]any{
		"CFBundleExecutable": "tether", "CFBundleIdentifier": "com.tetherhq.support", "CFBundlePackageType": "APPL",
		"CFBundleName": "Tether Support", "CFBundleShortVersionString": "1.2.3", "CFBundleVersion": "1.2.3",
		"LSMinimumSystemVersion": "10.15", "LSUIElement": true, "CFBundleInfoDictionaryVersion": "6.0",
	} {
		if plist[k] != want {
			t.Errorf("Info.plist %s = %v, want %v", k, plist[k], want)
		}
	}
	checkUnzipped(t, b.Bytes(), rec)
}

// checkUnzipped extracts the zip with an independent tool, the way the
// customer's Mac does, and checks the agent would find its config there.
func checkUnzipped(t *testing.T, zipBytes, rec []byte) {
	tool := ""
	for _, c := range []string{"bsdtar", "unzip"} {
		if _, err := exec.LookPath(c); err == nil {
			tool = c
			break
		}
	}
	if tool == "" {
		if os.Getenv("TETHER_REQUIRE_PKGTOOLS") != "" {
			t.Fatal("neither bsdtar nor unzip installed")
		}
		t.Log("no bsdtar or unzip: skipping the independent extraction")
		return
	}
	dir := t.TempDir()
	zp := filepath.Join(dir, "tether-support.zip")
	os.WriteFile(zp, zipBytes, 0o644)
	out := filepath.Join(dir, "x")
	os.Mkdir(out, 0o755)
	args := map[string][]string{"bsdtar": {"-xf", zp, "-C", out}, "unzip": {"-q", zp, "-d", out}}[tool]
	if b, err := exec.Command(tool, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, b)
	}
	exe := filepath.Join(out, "Tether Support", "Tether Support.app", "Contents", "MacOS", "tether")
	st, err := os.Stat(exe)
	if err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("%s extracted the executable as %v (%v)", tool, st, err)
	}
	cfg, raw, from, err := macapp.ReadConfig(exe)
	if err != nil || !bytes.Equal(raw, rec) || cfg.SessionCode != "123456789" {
		t.Fatalf("agent would not find its config after %s: %v", tool, err)
	}
	if !strings.HasSuffix(from, "/Tether Support/"+macapp.ConfigFileName) {
		t.Errorf("config read from %s", from)
	}
}

func TestBuildMacAppCachedBinary(t *testing.T) {
	agent := universalHello(t)
	rec := testRecordFor(t, agent)
	bin, err := NewMacAppBinary(bytes.NewReader(agent), int64(len(agent)), 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // reusable across downloads
		var b bytes.Buffer
		if err := BuildMacApp(&b, MacAppOptions{Config: rec, Binary: bin}); err != nil {
			t.Fatal(err)
		}
		e := readZip(t, b.Bytes())["Tether Support/Tether Support.app/Contents/MacOS/tether"]
		if !bytes.Equal(e.data, agent) || e.mode != 0o755 { // archive/zip checks the CRC
			t.Fatalf("cached binary: mode %v, same bytes %v", e.mode, bytes.Equal(e.data, agent))
		}
		checkUnzipped(t, b.Bytes(), rec)
	}
}

func TestBuildMacAppPrebuilt(t *testing.T) {
	exe := []byte("\xcf\xfa\xed\xfeuniversal")
	rec := testRecordFor(t, exe)
	// A notarized bundle must come out byte for byte, whatever it holds.
	signed := fstest.MapFS{
		"Contents/Info.plist":                   {Data: []byte("<plist>signed</plist>"), Mode: 0o644},
		"Contents/MacOS/tether":                 {Data: exe, Mode: 0o755},
		"Contents/_CodeSignature/CodeResources": {Data: []byte("seal"), Mode: 0o644},
		"Contents/CodeResources":                {Data: []byte("ticket"), Mode: 0o644},
		"Contents/Resources/tether.icns":        {Data: []byte("icon"), Mode: 0o600},
	}
	var b bytes.Buffer
	if err := BuildMacApp(&b, MacAppOptions{Config: rec, App: signed}); err != nil {
		t.Fatal(err)
	}
	files := readZip(t, b.Bytes())
	for p, f := range signed {
		e, ok := files["Tether Support/Tether Support.app/"+p]
		if !ok || !bytes.Equal(e.data, f.Data) || e.mode != f.Mode {
			t.Errorf("%s: present %v mode %v (want %v), same bytes %v", p, ok, e.mode, f.Mode, bytes.Equal(e.data, f.Data))
		}
	}
	checkUnzipped(t, b.Bytes(), rec)

	// Symlinks (framework Versions/Current) survive from a real directory.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "Contents", "Frameworks", "X.framework", "Versions", "A"), 0o755)
	os.WriteFile(filepath.Join(dir, "Contents", "Info.plist"), []byte("<plist/>"), 0o644)
	os.Symlink("A", filepath.Join(dir, "Contents", "Frameworks", "X.framework", "Versions", "Current"))
	b.Reset()
	if err := BuildMacApp(&b, MacAppOptions{Config: rec, App: os.DirFS(dir)}); err != nil {
		t.Fatal(err)
	}
	link := readZip(t, b.Bytes())["Tether Support/Tether Support.app/Contents/Frameworks/X.framework/Versions/Current"]
	if link.mode&fs.ModeSymlink == 0 || string(link.data) != "A" {
		t.Errorf("symlink stored as %v %q", link.mode, link.data)
	}
}

func TestBuildMacAppRejects(t *testing.T) {
	rec := testRecord(t)
	agent := []byte("agent")
	for name, o := range map[string]MacAppOptions{
		"no config":  {Agent: bytes.NewReader(agent), AgentSize: 5},
		"no agent":   {Config: rec},
		"slash name": {Config: rec, Name: "a/b", Agent: bytes.NewReader(agent), AgentSize: 5},
		"bad id":     {Config: rec, BundleID: "no dots", Agent: bytes.NewReader(agent), AgentSize: 5},
		"no plist":   {Config: rec, App: fstest.MapFS{"x": {Data: []byte("x")}}},
	} {
		if err := BuildMacApp(io.Discard, o); !errors.Is(err, ErrMacAppOptions) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// A short agent must fail the download, not produce a broken app.
	err := BuildMacApp(io.Discard, MacAppOptions{Config: rec, Agent: bytes.NewReader(agent), AgentSize: 6})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short agent: err = %v", err)
	}
	err = BuildMacApp(io.Discard, MacAppOptions{Config: rec, Agent: bytes.NewReader(agent), AgentSize: 4})
	if err == nil {
		t.Error("long agent accepted")
	}
}

// BenchmarkBuildMacAppCached is a download once the deflated binary of
// the agent build is cached.
func BenchmarkBuildMacAppCached(b *testing.B) {
	agent := benchAgent(b)
	bin, err := NewMacAppBinary(bytes.NewReader(agent), int64(len(agent)), 0)
	if err != nil {
		b.Fatal(err)
	}
	rec := testRecord(b)
	for b.Loop() {
		if err := BuildMacApp(io.Discard, MacAppOptions{Config: rec, Binary: bin}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildMacApp(b *testing.B) {
	agent := benchAgent(b)
	rec := testRecord(b)
	b.SetBytes(int64(len(agent)))
	for b.Loop() {
		err := BuildMacApp(io.Discard, MacAppOptions{Config: rec, Agent: bytes.NewReader(agent), AgentSize: int64(len(agent))})
		if err != nil {
			b.Fatal(err)
		}
	}
}
