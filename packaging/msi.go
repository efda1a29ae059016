package packaging

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/installer"
)

// The MSI (SPEC C4, E3) is built once per Windows agent build, on Linux,
// with wixl (msitools), and signed with a reserved blob: a "template". Per
// installer the site stamps the installer's signed config record into
// that blob (embedcfg.InspectMSI), which keeps the MSI's signature valid
// and costs a copy per download; no wixl on the site. What the package
// does at install time: msi.wxs.tmpl and packaging/msica/tetherca.c.

// MSIOptions configures BuildMSI.
type MSIOptions struct {
	// Agent is the signed Windows agent (tether-windows-amd64.exe) the MSI
	// installs; its digest goes into the MSI (MSIAgentDigestStream), so
	// the site issues records for exactly this build.
	Agent string
	// Arch is the Go architecture; only amd64 (the custom-action DLL is
	// built with Debian's x86_64 MinGW, and wixl knows no arm64).
	Arch string
	Out  string
	// Signer signs the MSI (with the reserved blob the site needs); nil
	// leaves it unsigned, which the site refuses (for tests of the tables).
	Signer *Signer

	Version      string // ProductVersion (numeric a.b.c); default "1.0.0"
	Manufacturer string // default "Tether"
	ProductName  string // default "Tether Jump Client"
	// CADLL is a prebuilt custom-action DLL; empty: compile tetherca.c
	// with CC (default x86_64-w64-mingw32-gcc).
	CADLL   string
	CC      string
	TempDir string
}

// ErrMSIOptions is returned for unusable MSIOptions.
var ErrMSIOptions = errors.New("invalid MSI options")

var (
	//go:embed msi.wxs.tmpl
	msiWXSText string
	//go:embed msica/tetherca.c
	msiCASource []byte
	//go:embed msica/tetherca.def
	msiCADef []byte

	msiTemplate = template.Must(template.New("wxs").Funcs(template.FuncMap{
		"xml": xmlText,
		"add": func(a, b int) int { return a + b },
	}).Parse(msiWXSText))
)

// msiUpgradeCodes are fixed per architecture: every template MSI of one
// architecture is the same product line.
var msiUpgradeCodes = map[string]string{"amd64": "{6E2C1F0A-3B7D-4C52-9A1E-5D8F7B3C2A10}"}

// msiProperty is a public property and its lower-case spelling.
type msiProperty struct{ Upper, Lower string }

// msiAction is one custom action of the template: a type 51 action sets
// property ID to the formatted Data (its CustomActionData), then the DLL
// action ID runs the agent with it.
type msiAction struct {
	ID, Data, Execute, Impersonate, Return, Condition string
	Sequence                                          int
}

// Custom action type bits (msidbCustomActionType*).
const (
	caDLLInBinary   = 0x001
	caContinue      = 0x040 // Return="ignore"
	caRollback      = 0x100
	caInScript      = 0x400 // deferred
	caNoImpersonate = 0x800
)

// Type is the CustomAction table's Type of the DLL action. wixl gets
// rollback actions wrong (it writes them as immediate ones), so BuildMSI
// sets every type itself.
func (a msiAction) Type() int {
	t := caDLLInBinary | caInScript
	if a.Return == "ignore" {
		t |= caContinue
	}
	if a.Execute == "rollback" {
		t |= caRollback
	}
	if a.Impersonate == "no" {
		t |= caNoImpersonate
	}
	return t
}

type msiData struct {
	MSIOptions
	ProductCode, UpgradeCode, ComponentGUID string
	Properties                              []msiProperty
	Actions                                 []msiAction
}

// Conditions of the actions: first install, and complete removal.
const (
	msiOnInstall = "NOT Installed AND NOT REMOVE"
	msiOnRemove  = `Installed AND REMOVE="ALL"`
)

// msiActions: uninstall before RemoveFiles (3500) while the agent is
// still there; rollback actions scheduled before the installs they undo
// (a rollback action only runs if it was reached before the failure);
// installs after InstallFiles (4000), before InstallFinalize (6600).
func msiActions() []msiAction {
	type spec struct {
		verb, as, execute string
		seq               int
	}
	var out []msiAction
	for _, s := range []spec{
		{installer.MSIUninstall, installer.MSIAsSystem, "deferred", 1510},
		{installer.MSIUninstall, installer.MSIAsUser, "deferred", 1512},
		{installer.MSIRollback, installer.MSIAsSystem, "rollback", 6500},
		{installer.MSIRollback, installer.MSIAsUser, "rollback", 6502},
		{installer.MSIInstall, installer.MSIAsSystem, "deferred", 6504},
		{installer.MSIInstall, installer.MSIAsUser, "deferred", 6506},
	} {
		a := msiAction{
			ID:       "Tether" + strings.ToUpper(s.verb[:1]) + s.verb[1:],
			Data:     installer.MSIActionTemplate(s.verb, s.as),
			Execute:  s.execute,
			Sequence: s.seq,
			// LocalSystem for service mode; the user's own token for
			// user mode (their HKCU and profile).
			Impersonate: "no",
			Return:      "check",
			Condition:   msiOnInstall,
		}
		if s.as == installer.MSIAsUser {
			a.ID += "User"
			a.Impersonate = "yes"
		}
		if s.verb != installer.MSIInstall {
			// Removal is best effort: the agent reports problems in the
			// log but never blocks msiexec /x.
			a.Return = "ignore"
		}
		if s.verb == installer.MSIUninstall {
			a.Condition = msiOnRemove
		}
		out = append(out, a)
	}
	return out
}

func (o *MSIOptions) check() error {
	if o.Arch == "" {
		o.Arch = "amd64"
	}
	if _, ok := msiUpgradeCodes[o.Arch]; !ok {
		return fmt.Errorf("%w: architecture %q (MSI templates are built for amd64)", ErrMSIOptions, o.Arch)
	}
	if o.Agent == "" || o.Out == "" {
		return fmt.Errorf("%w: agent and output are required", ErrMSIOptions)
	}
	if o.Version == "" {
		o.Version = "1.0.0"
	}
	if o.Manufacturer == "" {
		o.Manufacturer = "Tether"
	}
	if o.ProductName == "" {
		o.ProductName = "Tether Jump Client"
	}
	if o.CC == "" {
		o.CC = "x86_64-w64-mingw32-gcc"
	}
	return nil
}

// RenderWXS renders the WiX source of the template MSI for an agent whose
// digest (embedcfg Layout.Digest) is agentDigest.
func RenderWXS(opts MSIOptions, agentDigest string) ([]byte, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	d := msiData{MSIOptions: opts, UpgradeCode: msiUpgradeCodes[opts.Arch], Actions: msiActions(),
		// A new agent build is a new product (and package); the
		// component stays the same file in the same place.
		ProductCode:   guidFrom("product", opts.Arch, agentDigest),
		ComponentGUID: guidFrom("component", opts.Arch, ""),
	}
	for _, p := range installer.MSIProperties() {
		d.Properties = append(d.Properties, msiProperty{Upper: p, Lower: strings.ToLower(p)})
	}
	var b bytes.Buffer
	if err := msiTemplate.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("render the MSI source: %w", err)
	}
	return b.Bytes(), nil
}

// guidFrom derives a stable GUID (name-based, version 5 layout) from parts.
func guidFrom(parts ...string) string {
	h := sha256.Sum256([]byte("tether-msi\x00" + strings.Join(parts, "\x00")))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("{%x-%x-%x-%x-%x}", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16]))
}

// BuildMSI builds the template MSI: the custom-action DLL (MinGW), the
// package (wixl), SecureCustomProperties and the agent's digest (msibuild,
// since wixl ignores Secure= and cannot add streams), then the signature
// with its reserved blob.
func BuildMSI(ctx context.Context, opts MSIOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	agent, err := os.ReadFile(opts.Agent)
	if err != nil {
		return fmt.Errorf("build MSI: %w", err)
	}
	l, err := embedcfg.Inspect(agent)
	if err != nil {
		return fmt.Errorf("build MSI: agent %s: %w", opts.Agent, err)
	}
	tmp, err := os.MkdirTemp(opts.TempDir, "tether-msi-")
	if err != nil {
		return fmt.Errorf("build MSI: %w", err)
	}
	defer os.RemoveAll(tmp)
	// wixl resolves sources relative to its working directory only: the
	// agent and the DLL go into tmp under fixed names.
	if err := os.WriteFile(filepath.Join(tmp, msiAgentName), agent, 0o644); err != nil {
		return fmt.Errorf("build MSI: %w", err)
	}
	if opts.CADLL == "" {
		if err := buildCADLL(ctx, opts.CC, tmp); err != nil {
			return err
		}
	} else if err := copyFile(opts.CADLL, filepath.Join(tmp, msiCAName)); err != nil {
		return fmt.Errorf("build MSI: %w", err)
	}
	opts.Agent, opts.CADLL = msiAgentName, msiCAName
	wxs, err := RenderWXS(opts, l.Digest)
	if err != nil {
		return err
	}
	src, msi, digest := "tether.wxs", "tether.msi", "agent.sha256"
	if err := os.WriteFile(filepath.Join(tmp, src), wxs, 0o644); err != nil {
		return fmt.Errorf("build MSI: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, digest), []byte(l.Digest+"\n"), 0o644); err != nil {
		return fmt.Errorf("build MSI: %w", err)
	}
	secure := strings.Join(installer.MSIProperties(), ";")
	steps := [][]string{
		// -a x64: wixl ignores Package/@Platform (NOTES).
		{"wixl", "-a", "x64", "-o", msi, src},
		{"msibuild", msi, "-q", "INSERT INTO `Property` (`Property`, `Value`) VALUES ('SecureCustomProperties', '" + secure + "')"},
		{"msibuild", msi, "-a", embedcfg.MSIAgentDigestStream, digest},
	}
	for _, a := range msiActions() {
		steps = append(steps, []string{"msibuild", msi, "-q",
			fmt.Sprintf("UPDATE `CustomAction` SET `Type` = %d WHERE `Action` = '%s'", a.Type(), a.ID)})
	}
	for _, s := range steps {
		if err := runTool(ctx, tmp, s[0], s[1:]...); err != nil {
			return fmt.Errorf("build MSI: %w", err)
		}
	}
	out := opts.Out + ".tmp"
	if opts.Signer != nil {
		err = opts.Signer.Sign(ctx, filepath.Join(tmp, msi), out)
	} else {
		err = copyFile(filepath.Join(tmp, msi), out)
	}
	if err == nil {
		err = os.Rename(out, opts.Out)
	}
	if err != nil {
		os.Remove(out)
		return fmt.Errorf("build MSI: %w", err)
	}
	return nil
}

// File names inside the build dir.
const (
	msiAgentName = "tether.exe"
	msiCAName    = "tetherca.dll"
)

// buildCADLL compiles the custom-action DLL into dir as msiCAName.
func buildCADLL(ctx context.Context, cc, dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "tetherca.c"), msiCASource, 0o644); err != nil {
		return fmt.Errorf("build the MSI's custom action: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tetherca.def"), msiCADef, 0o644); err != nil {
		return fmt.Errorf("build the MSI's custom action: %w", err)
	}
	// -s: no symbols; static libgcc: nothing but system DLLs to load.
	err := runTool(ctx, dir, cc, "-shared", "-O2", "-s", "-Wall", "-static-libgcc", "-o", msiCAName, "tetherca.c", "tetherca.def", "-lmsi")
	if err != nil {
		return fmt.Errorf("build the MSI's custom action: %w", err)
	}
	return nil
}

func runTool(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("%s is not installed (scripts/deps.sh installs wixl, msitools, osslsigncode and MinGW-w64): %w", name, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, lastLines(string(out), 8))
	}
	return nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}
