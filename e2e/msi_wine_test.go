//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/installer"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/xvfbtest"
	"github.com/tetherhq/tether/packaging"
)

// EnvRequireWine makes the Wine tests fail instead of skip when Wine or
// the Windows packaging tools are missing (scripts/test.sh sets it).
const EnvRequireWine = "TETHER_REQUIRE_WINE"

// wineEnv is a fresh Wine prefix (scripts/wine.sh setup: the ProcessPrng
// shim Go programs need) on a private Xvfb.
type wineEnv struct {
	t       *testing.T
	prefix  string
	env     []string
	logs    string
	display string // the Xvfb the prefix's windows are on
}

func requireWine(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"wine", "wineserver", "wixl", "msibuild", "osslsigncode", "x86_64-w64-mingw32-gcc", "Xvfb"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv(EnvRequireWine) == "1" {
				t.Fatalf("%s not installed and %s=1 (scripts/deps.sh installs it)", tool, EnvRequireWine)
			}
			t.Skipf("%s not installed (set %s=1 to fail instead)", tool, EnvRequireWine)
		}
	}
}

func newWine(t *testing.T) *wineEnv {
	t.Helper()
	x := xvfbtest.Start(t, 1024, 768)
	w := &wineEnv{t: t, prefix: filepath.Join(t.TempDir(), "prefix"), logs: t.TempDir(), display: x.Display}
	w.env = append(os.Environ(), "WINEPREFIX="+w.prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=",
		"WINEARCH=win64", "DISPLAY="+x.Display)
	start := time.Now()
	setup := exec.Command("../scripts/wine.sh", "setup")
	setup.Env = w.env
	if out, err := setup.CombinedOutput(); err != nil {
		t.Fatalf("wine.sh setup: %v\n%s", err, out)
	}
	t.Logf("Wine prefix ready in %v", time.Since(start).Round(time.Millisecond))
	// Wine's services get the system environment, not the Unix one: its
	// X11 driver then has no DISPLAY and draws nowhere. Windows has no such
	// variable; the prefix gets it where Windows keeps system variables.
	if code, out := w.run("reg", "add", `HKLM\System\CurrentControlSet\Control\Session Manager\Environment`,
		"/v", "DISPLAY", "/d", x.Display, "/f"); code != 0 {
		t.Fatalf("reg add DISPLAY: %d %s", code, out)
	}
	// services.exe reads that environment when it starts, which `reg`
	// itself may have caused: let the prefix's processes end first.
	wait := exec.Command("wineserver", "-w")
	wait.Env = w.env
	if out, err := wait.CombinedOutput(); err != nil {
		t.Fatalf("wineserver -w: %v %s", err, out)
	}
	// Wine ends the services of a prefix once no ordinary program runs
	// in it; a console waiting for input keeps the SCM's services alive
	// the way a logged-in desktop does on Windows.
	hold := exec.Command("wine", "cmd.exe")
	hold.Env, hold.Dir = w.env, w.prefix
	stdin, err := hold.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	holdLog, _ := os.Create(filepath.Join(w.logs, "hold.log"))
	hold.Stdout, hold.Stderr = holdLog, holdLog
	if err := hold.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		kill := exec.Command("wineserver", "-k")
		kill.Env = w.env
		kill.Run()
		hold.Wait()
		holdLog.Close()
	})
	return w
}

// drive maps a path under C:\ to the prefix.
func (w *wineEnv) drive(winPath string) string {
	rel := strings.ReplaceAll(strings.TrimPrefix(winPath, `C:\`), `\`, "/")
	return filepath.Join(w.prefix, "drive_c", rel)
}

// run runs a Windows program. Output goes to a file, never a pipe: what
// msiexec starts inherits its handles and may outlive it (NOTES).
func (w *wineEnv) run(name string, args ...string) (int, string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := os.CreateTemp(w.logs, "out-*")
	if err != nil {
		w.t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.CommandContext(ctx, "wine", append([]string{name}, args...)...)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = w.env, w.prefix, out, out
	err = cmd.Run()
	b, _ := os.ReadFile(out.Name())
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), string(b)
	case err != nil:
		w.t.Fatalf("wine %s: %v\n%s", name, err, b)
	}
	return 0, string(b)
}

// msiexec runs msiexec with a verbose log and returns its exit status and
// the log.
func (w *wineEnv) msiexec(args ...string) (int, string) {
	w.t.Helper()
	log := `C:\msi-` + time.Now().Format("150405.000000000") + ".log"
	code, out := w.run("msiexec", append(args, "/l*v", log)...)
	b, err := os.ReadFile(w.drive(log))
	if err != nil {
		w.t.Fatalf("msiexec %q wrote no log (exit %d): %v\n%s", args, code, err, out)
	}
	return code, string(b)
}

// services lists the tether-* services the SCM knows.
func (w *wineEnv) services() []string {
	_, out := w.run("reg", "query", `HKLM\System\CurrentControlSet\Services`)
	return regexp.MustCompile(`(?mi)\\(tether-[0-9a-z]+)\s*$`).FindAllString(out, -1)
}

// buildWindowsPackages builds the real Windows agent, signs it with a
// development certificate, builds the template MSI, and puts both where
// the site serves them. It returns the certificate.
func buildWindowsPackages(t *testing.T, s *sitetest.Site) string {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	plain := filepath.Join(dir, "tether.exe")
	start := time.Now()
	windowsBuild(t, plain, "./cmd/tether", "-H windowsgui") // as the Makefile ships it
	signer, err := packaging.SignerFromEnv(func(string) string { return "" }, dir)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(s.Agents, "tether-windows-amd64.exe")
	if err := signer.Sign(ctx, plain, exe); err != nil {
		t.Fatal(err)
	}
	built := time.Now()
	msi := filepath.Join(s.Agents, "tether-windows-amd64.msi")
	if err := packaging.BuildMSI(ctx, packaging.MSIOptions{Agent: exe, Out: msi, Signer: signer, TempDir: dir}); err != nil {
		t.Fatal(err)
	}
	t.Logf("agent built and signed in %v, template MSI in %v", built.Sub(start).Round(time.Millisecond), time.Since(built).Round(time.Millisecond))
	return signer.DevCA
}

type wineInstaller struct {
	ID, KeyInfo, DownloadURL, Package string
}

// msiDownload creates an installer with package msi and saves its MSI in
// the prefix as C:\tether-<id>.msi; the signature must verify.
func msiDownload(t *testing.T, s *sitetest.Site, w *wineEnv, ca string, body map[string]any) (wineInstaller, string) {
	t.Helper()
	var raw struct {
		ID          string `json:"id"`
		KeyInfo     string `json:"key_info"`
		DownloadURL string `json:"download_url"`
		Package     string `json:"package"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/installers", body, &raw); st != 201 || raw.Package != "msi" {
		t.Fatalf("create installer: %d %+v", st, raw)
	}
	start := time.Now()
	res, err := s.Client.Get(raw.DownloadURL)
	if err != nil {
		t.Fatal(err)
	}
	winPath := `C:\tether-` + raw.ID + ".msi"
	f, _ := os.Create(w.drive(winPath))
	_, err = io.Copy(f, res.Body)
	res.Body.Close()
	f.Close()
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("download: %d %v", res.StatusCode, err)
	}
	t.Logf("MSI download (stamped per installer) in %v", time.Since(start).Round(time.Microsecond))
	if err := packaging.VerifyAuthenticode(t.Context(), w.drive(winPath), ca); err != nil {
		t.Fatalf("the downloaded MSI: %v", err)
	}
	return wineInstaller{raw.ID, raw.KeyInfo, raw.DownloadURL, raw.Package}, winPath
}

type wineJC struct {
	ID, Name, Status, Tag, Comments string
}

func jumpClients(t *testing.T, s *sitetest.Site) []wineJC {
	t.Helper()
	var l struct{ Items []wineJC }
	if st := s.Do(s.Token, "GET", "/api/v1/jump-clients", nil, &l); st != 200 {
		t.Fatalf("list: %d", st)
	}
	return l.Items
}

// waitJC waits up to d for a jump client with tag to have status.
func waitJC(t *testing.T, s *sitetest.Site, tag, status string, d time.Duration) wineJC {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		for _, jc := range jumpClients(t, s) {
			if jc.Tag == tag && jc.Status == status {
				return jc
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no jump client tagged %q is %s after %v: %+v", tag, status, d, jumpClients(t, s))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// installRecord reads the install.json of a jump client in the prefix.
func installRecord(t *testing.T, dir string) *installer.Record {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "state", "install.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r installer.Record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func gone(t *testing.T, path, what string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s is still there (%s): %v", what, path, err)
	}
}

// TestMSIUnderWine deploys jump clients with the site's MSI under Wine as
// an admin would (SPEC C4, G): a property that fails validation rolls the
// install back with the C3 message in the log; `msiexec /i … /quiet
// JC_TAG=…` installs a service-mode jump client that runs under the SCM,
// comes online with its tag and accepts a jump; `msiexec /x` tells the site
// and removes everything; MODE=user installs a per-user client.
func TestMSIUnderWine(t *testing.T) {
	requireWine(t)
	testStart := time.Now()
	s := sitetest.Start(t, nil)
	ca := buildWindowsPackages(t, s)
	w := newWine(t)
	programFiles := w.drive(`C:\Program Files`)
	staged := filepath.Join(programFiles, "Tether MSI")

	// An invalid property: the install fails with the installer's own
	// message in the log, and nothing stays behind.
	in, msi := msiDownload(t, s, w, ca, map[string]any{"platform": "windows-amd64", "valid_for": "1h"})
	start := time.Now()
	code, log := w.msiexec("/i", msi, "/quiet", "JC_NAME="+strings.Repeat("n", 200))
	t.Logf("msiexec /i refusing JC_NAME: exit %d in %v", code, time.Since(start).Round(time.Millisecond))
	if code == 0 || !strings.Contains(log, "JC_NAME is 200 characters; at most 128 are allowed") {
		t.Fatalf("invalid JC_NAME: exit %d, log:\n%s", code, log)
	}
	gone(t, filepath.Join(programFiles, "tether-"+in.ID), "the install dir of a refused install")
	gone(t, staged, "the staged agent of a refused install")
	if svcs := w.services(); len(svcs) != 0 {
		t.Errorf("services after a refused install: %v", svcs)
	}

	// Service mode, the tag from the command line (upper case) and the
	// comments in lower case (C4: names match either way).
	start = time.Now()
	code, log = w.msiexec("/i", msi, "/quiet", "JC_TAG=wine-test", "jc_comments=from-wine")
	t.Logf("msiexec /i (service mode): exit %d in %v", code, time.Since(start).Round(time.Millisecond))
	if code != 0 || !strings.Contains(log, "Tether jump client installed in") {
		t.Fatalf("install: exit %d, log:\n%s", code, log)
	}
	dir := filepath.Join(programFiles, "tether-"+in.ID)
	rec := installRecord(t, dir)
	if rec.Mode != installer.ModeService || rec.Tag != "wine-test" || rec.Comments != "from-wine" || rec.Launcher != installer.LauncherService {
		t.Fatalf("install record %+v", rec)
	}
	// The installed agent carries the installer's record, restamped into
	// its own signature's blob: the signature still verifies.
	if cfg, _, err := embedcfg.ReadFile(filepath.Join(dir, "tether.exe")); err != nil || cfg.InstallerID != in.ID {
		t.Fatalf("installed agent's config: %+v %v", cfg, err)
	}
	if err := packaging.VerifyAuthenticode(t.Context(), filepath.Join(dir, "tether.exe"), ca); err != nil {
		t.Fatalf("installed agent: %v", err)
	}
	jc := waitJC(t, s, "wine-test", "online", 90*time.Second)
	t.Logf("jump client online %v after msiexec started", time.Since(start).Round(time.Millisecond))
	if jc.Comments != "from-wine" {
		t.Errorf("jump client %+v", jc)
	}
	// Still running under the SCM well past the ~10 s after which Wine's
	// SCM kills a service that never answers it.
	time.Sleep(12 * time.Second)
	if _, out := w.run("sc", "query", rec.ServiceName); !strings.Contains(out, "RUNNING") {
		t.Fatalf("sc query %s:\n%s", rec.ServiceName, out)
	}
	if jc2 := waitJC(t, s, "wine-test", "online", 10*time.Second); jc2.ID != jc.ID {
		t.Fatalf("another jump client came online: %+v", jc2)
	}
	serviceLog, _ := os.ReadFile(filepath.Join(dir, "state", "service.log"))
	if !strings.Contains(string(serviceLog), "service running") {
		t.Errorf("service log:\n%s", serviceLog)
	}
	var jump struct {
		SessionID string `json:"session_id"`
	}
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+jc.ID+"/jump", nil, &jump); st != 201 || jump.SessionID == "" {
		t.Fatalf("jump: %d %+v", st, jump)
	}
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "state", "service.log"))
			h, _ := os.ReadFile(filepath.Join(dir, "state", "view-helper.log"))
			t.Logf("service log:\n%s\nview helper log:\n%s", b, h)
		}
	})
	// The service (session 0) hands the view to a helper in the console
	// session; its capture of the Wine desktop reaches the technician.
	if sc := firstScreen(t, s, jump.SessionID); sc.Width == 0 || sc.Height == 0 {
		t.Fatalf("jump screen %+v", sc)
	} else {
		t.Logf("jump to the service-mode client: screen %dx%d", sc.Width, sc.Height)
	}
	// The SCM's Stop ends the agent (offline at once), Start brings it back.
	if code, out := w.run("sc", "stop", rec.ServiceName); code != 0 {
		t.Fatalf("sc stop: exit %d\n%s", code, out)
	}
	waitJC(t, s, "wine-test", "offline", 30*time.Second)
	if _, out := w.run("sc", "query", rec.ServiceName); !strings.Contains(out, "STOPPED") {
		t.Fatalf("after sc stop:\n%s", out)
	}
	if code, out := w.run("sc", "start", rec.ServiceName); code != 0 {
		t.Fatalf("sc start: exit %d\n%s", code, out)
	}
	waitJC(t, s, "wine-test", "online", 60*time.Second)

	start = time.Now()
	code, log = w.msiexec("/x", msi, "/quiet")
	t.Logf("msiexec /x: exit %d in %v", code, time.Since(start).Round(time.Millisecond))
	if code != 0 || !strings.Contains(log, "removed.") {
		t.Fatalf("uninstall: exit %d, log:\n%s", code, log)
	}
	waitJC(t, s, "wine-test", "uninstalled", 30*time.Second)
	gone(t, dir, "the install dir")
	gone(t, staged, "the staged agent")
	if svcs := w.services(); len(svcs) != 0 {
		t.Errorf("services after msiexec /x: %v", svcs)
	}
	if c, out := w.run("reg", "query", `HKLM\SOFTWARE\Tether`); c == 0 {
		t.Errorf("HKLM\\SOFTWARE\\Tether after msiexec /x:\n%s", out)
	}

	// User mode: the per-user action installs into the user's profile and
	// the Run key; msiexec /x removes both.
	in2, msi2 := msiDownload(t, s, w, ca, map[string]any{"platform": "windows-amd64", "valid_for": "1h", "tag": "wine-user"})
	start = time.Now()
	code, log = w.msiexec("/i", msi2, "/quiet", "MODE=user")
	t.Logf("msiexec /i (user mode): exit %d in %v", code, time.Since(start).Round(time.Millisecond))
	if code != 0 || !strings.Contains(log, "(user mode, started)") {
		t.Fatalf("user-mode install: exit %d, log:\n%s", code, log)
	}
	m := regexp.MustCompile(`installed in (C:\\users\\[^\\]+\\AppData\\Local\\tether-` + in2.ID + `) `).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("user-mode install dir not in the log:\n%s", log)
	}
	userDir := w.drive(m[1])
	if r := installRecord(t, userDir); r.Launcher != installer.LauncherRunKey {
		t.Fatalf("user-mode record %+v", r)
	}
	ujc := waitJC(t, s, "wine-user", "online", 90*time.Second)
	// A user-mode client runs on the user's desktop and captures it itself.
	if st := s.Do(s.Token, "POST", "/api/v1/jump-clients/"+ujc.ID+"/jump", nil, &jump); st != 201 {
		t.Fatalf("jump (user mode): %d", st)
	}
	if sc := firstScreen(t, s, jump.SessionID); sc.Width == 0 {
		t.Fatalf("user-mode jump screen %+v", sc)
	}
	if _, out := w.run("reg", "query", `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`); !strings.Contains(out, "tether-") {
		t.Errorf("no Run value:\n%s", out)
	}
	code, log = w.msiexec("/x", msi2, "/quiet")
	if code != 0 {
		t.Fatalf("user-mode uninstall: exit %d, log:\n%s", code, log)
	}
	waitJC(t, s, "wine-user", "uninstalled", 30*time.Second)
	gone(t, userDir, "the user-mode install dir")
	if _, out := w.run("reg", "query", `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`); strings.Contains(out, "tether-") {
		t.Errorf("Run value left:\n%s", out)
	}

	// Removed in the console (C8), a service-mode client uninstalls
	// itself: a detached `tether uninstall` stops and deletes the service
	// that started it and removes the install dir; msiexec /x then only
	// removes the package.
	in3, msi3 := msiDownload(t, s, w, ca, map[string]any{"platform": "windows-amd64", "valid_for": "1h", "tag": "wine-removed"})
	if code, log := w.msiexec("/i", msi3, "/quiet"); code != 0 {
		t.Fatalf("install: exit %d, log:\n%s", code, log)
	}
	dir3 := filepath.Join(programFiles, "tether-"+in3.ID)
	svc3 := installRecord(t, dir3).ServiceName
	jc3 := waitJC(t, s, "wine-removed", "online", 90*time.Second)
	if st := s.Do(s.Token, "DELETE", "/api/v1/jump-clients/"+jc3.ID, nil, nil); st != 200 {
		t.Fatalf("remove: %d", st)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := os.Stat(dir3)
		if errors.Is(err, os.ErrNotExist) && len(w.services()) == 0 {
			break
		}
		if time.Now().After(deadline) {
			_, out := w.run("sc", "query", svc3)
			t.Fatalf("a removed service-mode client is still installed after 60 s (dir: %v, services %v):\n%s", err, w.services(), out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if code, log := w.msiexec("/x", msi3, "/quiet"); code != 0 {
		t.Fatalf("msiexec /x after self-removal: exit %d, log:\n%s", code, log)
	}
	gone(t, staged, "the staged agent")
	t.Logf("Wine MSI test: %v", time.Since(testStart).Round(time.Second))
}
