package packaging

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/installer"
)

const goldenDigest = "4dcee83552f193c738e78f4674184feb797605609c8c7764098c978c9a7ac3fc"

// TestRenderWXSGolden pins the WiX source of the template MSI: the
// sequence numbers, action types and the action data the agent parses.
func TestRenderWXSGolden(t *testing.T) {
	wxs, err := RenderWXS(MSIOptions{Agent: "tether.exe", CADLL: "tetherca.dll", Out: "x.msi"}, goldenDigest)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "msi.wxs.golden", string(wxs))
	s := string(wxs)
	// Every C4 property: declared through its lower-case spelling and
	// handed to the agent.
	for _, p := range installer.MSIProperties() {
		if !strings.Contains(s, `Property="`+p+`" Value="[`+strings.ToLower(p)+`]"`) || !strings.Contains(s, "|"+p+"=["+p+"]|") {
			t.Errorf("property %s not wired", p)
		}
	}
	if _, err := RenderWXS(MSIOptions{Agent: "a", Out: "o", Arch: "arm64"}, goldenDigest); err == nil {
		t.Error("arm64 accepted")
	}
}

func TestMSIActionTypes(t *testing.T) {
	want := map[string]int{
		// deferred (0x400) DLL (1); 0x800 no impersonation; 0x40 ignore
		// the result; 0x100 rollback.
		"TetherInstall": 0xC01, "TetherInstallUser": 0x401,
		"TetherUninstall": 0xC41, "TetherUninstallUser": 0x441,
		"TetherRollback": 0xD41, "TetherRollbackUser": 0x541,
	}
	for _, a := range msiActions() {
		if a.Type() != want[a.ID] {
			t.Errorf("%s: type %#x, want %#x", a.ID, a.Type(), want[a.ID])
		}
		// What Windows Installer formats from the data, the agent parses.
		formatted := regexp.MustCompile(`\[[A-Za-z_]+\]`).ReplaceAllString(a.Data, "v")
		if _, err := installer.ParseMSIAction(formatted); err != nil {
			t.Errorf("%s: %v", a.ID, err)
		}
	}
}

func TestGUIDFrom(t *testing.T) {
	a, b := guidFrom("product", "amd64", "x"), guidFrom("product", "amd64", "y")
	if a == b || a != guidFrom("product", "amd64", "x") || len(a) != 38 || a[15] != '5' {
		t.Fatalf("guids %s %s", a, b)
	}
}

// TestBuildMSI builds a real template MSI (MinGW, wixl, msibuild,
// osslsigncode), stamps a record into it as the site does, and checks that
// the signature still verifies and the tables are what the custom action
// needs.
func TestBuildMSI(t *testing.T) {
	for _, tool := range []string{"wixl", "msibuild", "msiinfo", "osslsigncode", "x86_64-w64-mingw32-gcc"} {
		needTool(t, tool)
	}
	dir := t.TempDir()
	agent := filepath.Join(dir, "tether-windows-amd64.exe")
	// Any file will do for the package; the digest is what matters.
	os.WriteFile(agent, append([]byte("MZ stand-in agent"), bytes.Repeat([]byte{1, 2, 3}, 10000)...), 0o644)
	signer, err := SignerFromEnv(func(string) string { return "" }, dir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "tether-windows-amd64.msi")
	ctx := context.Background()
	start := time.Now()
	if err := BuildMSI(ctx, MSIOptions{Agent: agent, Out: out, Signer: signer}); err != nil {
		t.Fatal(err)
	}
	t.Logf("BuildMSI: %v", time.Since(start))
	if err := VerifyAuthenticode(ctx, out, signer.DevCA); err != nil {
		t.Fatal(err)
	}
	export := func(path, table string) string {
		b, err := exec.Command("msiinfo", "export", path, table).CombinedOutput()
		if err != nil {
			t.Fatalf("msiinfo export %s: %v %s", table, err, b)
		}
		return string(b)
	}
	if p := export(out, "Property"); !strings.Contains(p, "SecureCustomProperties\t"+strings.Join(installer.MSIProperties(), ";")) {
		t.Errorf("SecureCustomProperties missing:\n%s", p)
	}
	ca := export(out, "CustomAction")
	for _, a := range msiActions() {
		if !strings.Contains(ca, a.ID+"\t"+strconv.Itoa(a.Type())+"\tTetherCA\tTetherRun") {
			t.Errorf("action %s not of type %d:\n%s", a.ID, a.Type(), ca)
		}
	}

	f, _ := os.Open(out)
	defer f.Close()
	st, _ := f.Stat()
	l, err := embedcfg.InspectMSI(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(agent)
	al, _ := embedcfg.Inspect(data)
	if l.AgentDigest != al.Digest || l.Room != 993 {
		t.Fatalf("layout %+v, agent digest %s", l, al.Digest)
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	rec, err := embedcfg.Record(&embedcfg.Config{Kind: embedcfg.KindInstaller, SiteURL: "https://site.example",
		KeyInfo: "k", InstallerID: "abc", BinarySHA256: l.AgentDigest}, priv)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	r, _, err := l.Stamped(f, rec)
	if err != nil {
		t.Fatal(err)
	}
	stamped := filepath.Join(dir, "tether-abc.msi")
	o, _ := os.Create(stamped)
	io.Copy(o, r)
	o.Close()
	t.Logf("stamp and write %d bytes: %v", st.Size(), time.Since(start))
	if err := VerifyAuthenticode(ctx, stamped, signer.DevCA); err != nil {
		t.Fatalf("stamped MSI: %v", err)
	}
	sf, _ := os.Open(stamped)
	defer sf.Close()
	got, err := embedcfg.MSIRecord(sf, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	if cfg, _, err := embedcfg.ParseRecord(got); err != nil || cfg.InstallerID != "abc" {
		t.Fatalf("record read back: %+v %v", cfg, err)
	}
	// msitools still reads the stamped package.
	if ca2 := export(stamped, "CustomAction"); ca2 != ca {
		t.Error("the stamped MSI's tables differ")
	}
}
