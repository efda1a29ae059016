package site_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/internal/macapp"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/packaging"
)

type packageAnswer struct {
	installerAnswer
	Package  string `json:"package"`
	FileName string `json:"file_name"`
}

// osslBlob is what osslsigncode -addUnauthenticatedBlob reserves: a
// marker and 993 zero bytes (NOTES).
func osslBlob() []byte {
	return append(append([]byte("\x0c\x82\x04\x00---BEGIN_BLOB---"), make([]byte, 993)...), "---END_BLOB---"...)
}

func download(t *testing.T, s *sitetest.Site, url string) (*http.Response, []byte) {
	t.Helper()
	res, err := s.Client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, b
}

func TestInstallerPackages(t *testing.T) {
	s := sitetest.Start(t, nil)
	create := func(body map[string]any) (int, packageAnswer, sitetest.ErrorBody) {
		t.Helper()
		var answer struct {
			packageAnswer
			sitetest.ErrorBody
		}
		st := s.Do(s.Token, "POST", "/api/v1/installers", body, &answer)
		return st, answer.packageAnswer, answer.ErrorBody
	}
	// Defaults per platform; a package that does not fit is refused.
	if st, a, _ := create(map[string]any{"platform": "linux-amd64"}); st != 201 || a.Package != "bin" || a.FileName != "tether-"+a.ID+".bin" {
		t.Fatalf("linux default: %d %+v", st, a)
	}
	for _, c := range []struct{ platform, pkg, want string }{
		{"linux-amd64", "msi", "bin or deb or rpm"},
		{"windows-amd64", "deb", "msi or exe"},
		{"windows-amd64", "tar", "msi or exe"},
	} {
		st, _, eb := create(map[string]any{"platform": c.platform, "package": c.pkg})
		if st != 400 || eb.Error.Code != "invalid_package" || !strings.Contains(eb.Error.Message, c.want) {
			t.Errorf("%s on %s: %d %+v", c.pkg, c.platform, st, eb)
		}
	}
	// No template MSI on this site yet: msi (the Windows default) is
	// refused with what to do; exe works.
	if st, _, eb := create(map[string]any{"platform": "windows-amd64"}); st != 400 || eb.Error.Code != "invalid_package" ||
		!strings.Contains(eb.Error.Message, "make msi") {
		t.Fatalf("windows without an MSI: %d %+v", st, eb)
	}
	st, exe, _ := create(map[string]any{"platform": "windows-amd64", "package": "exe", "tag": "t"})
	if st != 201 || exe.Package != "exe" {
		t.Fatalf("exe: %d %+v", st, exe)
	}
	res, b := download(t, s, exe.DownloadURL)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "tether-"+exe.ID+".exe") || !bytes.HasPrefix(b, []byte("MZ")) {
		t.Fatalf("exe download: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	if cfg, _, err := embedcfg.Parse(b); err != nil || cfg.InstallerID != exe.ID {
		t.Fatalf("exe config: %+v %v", cfg, err)
	}
	var plat struct {
		Packages map[string][]string `json:"packages"`
	}
	s.Do("", "GET", "/api/v1/platforms", nil, &plat)
	if got := strings.Join(plat.Packages["windows-amd64"], ","); got != "exe" {
		t.Errorf("packages without a template MSI: %q", got)
	}
	if got := strings.Join(plat.Packages["linux-amd64"], ","); got != "bin,deb,rpm" {
		t.Errorf("linux packages: %q", got)
	}
}

func TestInstallerMSI(t *testing.T) {
	s := sitetest.Start(t, nil)
	const digest = "4dcee83552f193c738e78f4674184feb797605609c8c7764098c978c9a7ac3fc"
	template := s.StandInMSI("windows-amd64", digest)
	var a packageAnswer
	st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"platform": "windows-amd64", "tag": "wine-test",
		"comments": "front desk", "valid_for": "1h"}, &a)
	if st != 201 || a.Package != "msi" || a.FileName != "tether-"+a.ID+".msi" {
		t.Fatalf("create: %d %+v", st, a)
	}
	res, b := download(t, s, a.DownloadURL)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/x-msi" ||
		!strings.Contains(res.Header.Get("Content-Disposition"), a.FileName) {
		t.Fatalf("download: %d %v", res.StatusCode, res.Header)
	}
	orig, _ := os.ReadFile(template)
	if len(b) != len(orig) {
		t.Fatalf("stamped MSI is %d bytes, the template %d", len(b), len(orig))
	}
	raw, err := embedcfg.MSIRecord(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := embedcfg.ParseRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.InstallerID != a.ID || cfg.KeyInfo != a.KeyInfo || cfg.Tag != "wine-test" || cfg.Comments != "front desk" ||
		cfg.BinarySHA256 != digest || cfg.Platform != "windows-amd64" {
		t.Fatalf("config in the MSI: %+v", cfg)
	}

	// A config too large for the signature's blob is refused at creation.
	var eb sitetest.ErrorBody
	st = s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"platform": "windows-amd64",
		"comments": strings.Repeat("long comments ", 70)}, &eb)
	if st != 400 || eb.Error.Code != "bad_request" || !strings.Contains(eb.Error.Message, "room for 993") ||
		!strings.Contains(eb.Error.Message, "Windows") {
		t.Fatalf("too large: %d %+v", st, eb)
	}
	// The same for a signed exe (its blob is in the PE's signature).
	signed := append([]byte("MZ signed stand-in agent"), osslBlob()...)
	os.WriteFile(filepath.Join(s.Agents, "tether-windows-amd64.exe"), signed, 0o644)
	st = s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"platform": "windows-amd64", "package": "exe",
		"comments": strings.Repeat("long comments ", 70)}, &eb)
	if st != 400 || !strings.Contains(eb.Error.Message, "room for 993") {
		t.Fatalf("too large for the exe: %d %+v", st, eb)
	}
	// On Linux nothing limits it.
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"comments": strings.Repeat("long comments ", 70)}, nil); st != 201 {
		t.Fatalf("linux with long comments: %d", st)
	}
}

func TestInstallerDebRPM(t *testing.T) {
	s := sitetest.Start(t, nil)
	for _, pkg := range []string{"deb", "rpm"} {
		var a packageAnswer
		if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"package": pkg}, &a); st != 201 || a.Package != pkg {
			t.Fatalf("%s: %d %+v", pkg, st, a)
		}
		res, b := download(t, s, a.DownloadURL)
		magic := map[string]string{"deb": "!<arch>\n", "rpm": "\xed\xab\xee\xdb"}[pkg]
		if res.StatusCode != 200 || !bytes.HasPrefix(b, []byte(magic)) || !strings.Contains(res.Header.Get("Content-Disposition"), "tether-"+a.ID+"."+pkg) {
			t.Fatalf("%s download: %d %.20q %v", pkg, res.StatusCode, b, res.Header)
		}
	}
}

// machO is a stand-in thin 64-bit Mach-O of a CPU type.
func machO(cpu uint32, body string) []byte {
	h := binary.LittleEndian.AppendUint32(nil, 0xfeedfacf)
	h = binary.LittleEndian.AppendUint32(h, cpu)
	h = binary.LittleEndian.AppendUint32(h, 3)
	return append(h, body...)
}

func TestDarwinPackages(t *testing.T) {
	s := sitetest.Start(t, nil)
	amd, arm := machO(0x01000007, "x86_64 agent"), machO(0x0100000c, "arm64 agent")
	os.WriteFile(filepath.Join(s.Agents, "tether-darwin-amd64"), amd, 0o755)
	os.WriteFile(filepath.Join(s.Agents, "tether-darwin-arm64"), arm, 0o755)
	var universal bytes.Buffer
	if err := packaging.BuildUniversal(&universal, packaging.UniversalSlice{R: bytes.NewReader(amd), Size: int64(len(amd))},
		packaging.UniversalSlice{R: bytes.NewReader(arm), Size: int64(len(arm))}); err != nil {
		t.Fatal(err)
	}
	l, _ := embedcfg.Inspect(universal.Bytes())

	var a packageAnswer
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"platform": "darwin-arm64"}, &a); st != 201 || a.Package != "pkg" {
		t.Fatalf("darwin installer: %d %+v", st, a)
	}
	res, b := download(t, s, a.DownloadURL)
	if res.StatusCode != 200 || !bytes.HasPrefix(b, []byte("xar!")) || !strings.Contains(res.Header.Get("Content-Disposition"), a.FileName) {
		t.Fatalf(".pkg download: %d %.8q %v", res.StatusCode, b, res.Header)
	}

	// The support app: a zip with the app and the signed config beside
	// it, issued for the universal agent inside the app.
	ss := s.CreateSession(nil)
	res, b = download(t, s, s.URL+"/download/"+ss.Code+"?platform=darwin-arm64")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("mac app download: %d %v", res.StatusCode, res.Header)
	}
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var rec, app []byte
	for _, f := range z.File {
		r, _ := f.Open()
		data, _ := io.ReadAll(r)
		r.Close()
		switch f.Name {
		case "Tether Support/" + macapp.ConfigFileName:
			rec = data
		case "Tether Support/Tether Support.app/Contents/MacOS/tether":
			app = data
		}
	}
	cfg, _, err := embedcfg.ParseRecord(rec)
	if err != nil || cfg.SessionCode != ss.Code || cfg.BinarySHA256 != l.Digest {
		t.Fatalf("config beside the app: %+v %v", cfg, err)
	}
	if !bytes.Equal(app, universal.Bytes()) {
		t.Fatal("the app's executable is not the universal agent")
	}
}

// A template MSI removed after the installer was made: a clear 404, not a
// broken download.
func TestInstallerMSIGone(t *testing.T) {
	s := sitetest.Start(t, nil)
	path := s.StandInMSI("windows-amd64", strings.Repeat("cd", 32))
	var a packageAnswer
	if st := s.Do(s.Token, "POST", "/api/v1/installers", map[string]any{"platform": "windows-amd64"}, &a); st != 201 {
		t.Fatalf("create: %d", st)
	}
	os.Remove(path)
	res, b := download(t, s, a.DownloadURL)
	if res.StatusCode != 404 || !strings.Contains(string(b), "no MSI for windows-amd64") {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
}
