package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tetherhq/tether/installer"
	"github.com/tetherhq/tether/internal/testdir"
	"github.com/tetherhq/tether/wire"
)

// fakeWindows records what Safe Mode does to bcdedit and HKLM, in order,
// and fails the steps the test names.
type fakeWindows struct {
	ops     []string
	fail    map[string]bool // "/set", "/deletevalue", "SetDefault", "DeleteKey"
	enumOut string          // what `bcdedit /enum {current}` prints
}

const testBCDEdit = `C:\Windows\System32\bcdedit.exe`

func (f *fakeWindows) run(_ context.Context, name string, args ...string) ([]byte, error) {
	f.ops = append(f.ops, strings.Join(append([]string{name}, args...), " "))
	if name != testBCDEdit {
		return nil, fmt.Errorf("ran %s", name)
	}
	if args[0] == "/enum" {
		return []byte(f.enumOut), nil
	}
	if f.fail[args[0]] {
		return []byte("The element data could not be found."), errors.New("exit status 1")
	}
	return []byte("The operation completed successfully."), nil
}

func (f *fakeWindows) SetDefault(path, value string) error {
	f.ops = append(f.ops, `SetDefault HKLM\`+path+" = "+value)
	if f.fail["SetDefault"] {
		return errors.New("access denied")
	}
	return nil
}

func (f *fakeWindows) DeleteKey(path string) error {
	f.ops = append(f.ops, `DeleteKey HKLM\`+path)
	if f.fail["DeleteKey"] {
		return errors.New("access denied")
	}
	return nil
}

func (f *fakeWindows) safeMode() *SafeMode {
	return &SafeMode{BCDEdit: testBCDEdit, Run: f.run, Registry: f}
}

const (
	testService = "tether-0123456789"
	testKey     = `HKLM\SYSTEM\CurrentControlSet\Control\SafeBoot\Network\tether-0123456789`
	setFlag     = testBCDEdit + " /set {current} safeboot network"
	clearFlag   = testBCDEdit + " /deletevalue {current} safeboot"
	enumFlags   = testBCDEdit + " /enum {current}"
)

func TestSafeModeCommands(t *testing.T) {
	ctx := t.Context()
	f := &fakeWindows{}
	if err := f.safeMode().Set(ctx, testService); err != nil {
		t.Fatal(err)
	}
	if err := f.safeMode().Clear(ctx, testService); err != nil {
		t.Fatal(err)
	}
	want := []string{"SetDefault " + testKey + " = Service", setFlag, clearFlag, "DeleteKey " + testKey}
	if !slices.Equal(f.ops, want) {
		t.Fatalf("ops\n%q\nwant\n%q", f.ops, want)
	}

	// bcdedit refusing the flag undoes the registration.
	f = &fakeWindows{fail: map[string]bool{"/set": true}}
	if err := f.safeMode().Set(ctx, testService); err == nil || !strings.Contains(err.Error(), "could not be found") {
		t.Fatalf("set with bcdedit failing: %v", err)
	}
	if want := []string{"SetDefault " + testKey + " = Service", setFlag, "DeleteKey " + testKey}; !slices.Equal(f.ops, want) {
		t.Fatalf("ops %q, want %q", f.ops, want)
	}

	// A flag already gone is cleared; one still listed is not.
	f = &fakeWindows{fail: map[string]bool{"/deletevalue": true}, enumOut: "identifier {current}\nosdevice partition=C:"}
	if err := f.safeMode().Clear(ctx, testService); err != nil {
		t.Fatalf("clear of a flag already gone: %v", err)
	}
	if want := []string{clearFlag, enumFlags, "DeleteKey " + testKey}; !slices.Equal(f.ops, want) {
		t.Fatalf("ops %q, want %q", f.ops, want)
	}
	f.enumOut = "identifier {current}\nsafeboot Network"
	if err := f.safeMode().Clear(ctx, testService); err == nil {
		t.Fatal("clear reported success while bcdedit still lists safeboot")
	}

	for _, bad := range []string{"", `tether\..\Services`, "a b"} {
		f = &fakeWindows{}
		if f.safeMode().Set(ctx, bad) == nil || f.safeMode().Clear(ctx, bad) == nil || len(f.ops) != 0 {
			t.Errorf("service name %q accepted (ops %q)", bad, f.ops)
		}
	}
}

// serviceClient is a jump client installed as service testService, whose
// Safe Mode is f and whose reboot is reboot.
func serviceClient(t *testing.T, f *fakeWindows, state string, reboot RebootFunc) *jumpClient {
	t.Helper()
	dir := testdir.New(t)
	os.MkdirAll(filepath.Join(dir, "state"), 0o700)
	rec := fmt.Sprintf(`{"v":1,"id":"0123456789","install_dir":%q,"binary":"tether.exe","mode":%q,"service_name":%q}`,
		dir, installer.ModeService, testService)
	if err := os.WriteFile(installer.RecordPath(dir), []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}
	return &jumpClient{st: &State{Dir: state}, log: slog.New(slog.DiscardHandler),
		o: JumpOptions{Executable: filepath.Join(dir, "tether.exe"), SafeMode: f.safeMode(), Reboot: reboot}}
}

type reports []string

func (r *reports) add(ev wire.RebootEvent, detail string) {
	*r = append(*r, strings.TrimSpace(string(ev)+" "+detail))
}

// TestJumpClientSafeModeReboot: the whole B2 sequence of a Windows service
// jump client, with fake bcdedit and registry: set before the reboot,
// cleared at the next start before connecting, reported once connected.
func TestJumpClientSafeModeReboot(t *testing.T) {
	state := testdir.New(t)
	f := &fakeWindows{}
	ctx, stop := context.WithCancel(t.Context())
	rebooted := false
	j := serviceClient(t, f, state, func(context.Context) error { rebooted = true; stop(); return nil })
	var got reports
	j.reboot(ctx, &wire.Reboot{Session: "s1", SafeMode: true}, got.add)
	if !rebooted || !slices.Equal(got, reports{"safe_mode_set service " + testService, "rebooting"}) {
		t.Fatalf("rebooted %v, reports %q", rebooted, got)
	}
	if want := []string{"SetDefault " + testKey + " = Service", setFlag}; !slices.Equal(f.ops, want) {
		t.Fatalf("before the reboot: %q, want %q", f.ops, want)
	}

	// The next start: Safe Mode is cleared before any connection.
	f.ops = nil
	j = serviceClient(t, f, state, nil)
	mark := j.backFromReboot(t.Context())
	if mark == nil || !mark.Cleared || mark.Session != "s1" {
		t.Fatalf("marker %+v", mark)
	}
	if want := []string{clearFlag, "DeleteKey " + testKey}; !slices.Equal(f.ops, want) {
		t.Fatalf("at the next start: %q, want %q", f.ops, want)
	}
	got = nil
	j.reportBack(mark, got.add)
	if !slices.Equal(got, reports{"safe_mode_cleared service " + testService}) {
		t.Fatalf("reports %q", got)
	}
	if m, _ := j.st.jumpReboot(); m != nil {
		t.Fatalf("marker left: %+v", m)
	}
}

// A reboot the OS refuses leaves nothing set; a flag that cannot be
// cleared after the restart is reported and tried again at the next start.
func TestJumpClientSafeModeFailures(t *testing.T) {
	state := testdir.New(t)
	f := &fakeWindows{}
	j := serviceClient(t, f, state, func(context.Context) error { return errors.New("privilege not held") })
	var got reports
	j.reboot(t.Context(), &wire.Reboot{Session: "s1", SafeMode: true}, got.add)
	if len(got) != 3 || got[2] != "failed privilege not held" {
		t.Fatalf("reports %q", got)
	}
	if want := []string{"SetDefault " + testKey + " = Service", setFlag, clearFlag, "DeleteKey " + testKey}; !slices.Equal(f.ops, want) {
		t.Fatalf("ops %q, want %q", f.ops, want)
	}
	if m, _ := j.st.jumpReboot(); m != nil {
		t.Fatalf("marker left after a failed reboot: %+v", m)
	}

	ctx, stop := context.WithCancel(t.Context())
	j = serviceClient(t, f, state, func(context.Context) error { stop(); return nil })
	j.reboot(ctx, &wire.Reboot{Session: "s2", SafeMode: true}, func(wire.RebootEvent, string) {})
	f.fail, f.enumOut = map[string]bool{"/deletevalue": true}, "safeboot Network"
	mark := serviceClient(t, f, state, nil).backFromReboot(t.Context())
	got = nil
	j.reportBack(mark, got.add)
	if len(got) != 1 || !strings.HasPrefix(got[0], "safe_mode_clear_failed bcdedit /deletevalue") {
		t.Fatalf("reports %q", got)
	}
	f.fail, f.ops = nil, nil
	if mark := serviceClient(t, f, state, nil).backFromReboot(t.Context()); mark == nil || !mark.Cleared || len(f.ops) != 2 {
		t.Fatalf("the next start did not clear again: %+v %q", mark, f.ops)
	}

	// No Safe Mode for a client that is not a Windows service.
	j = serviceClient(t, f, testdir.New(t), nil)
	j.o.SafeMode = nil
	got = nil
	if systemSafeMode() == nil {
		j.reboot(t.Context(), &wire.Reboot{Session: "s3", SafeMode: true}, got.add)
		if len(got) != 1 || !strings.HasPrefix(got[0], "failed") {
			t.Fatalf("reports %q", got)
		}
	}
}
