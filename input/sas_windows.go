package input

import (
	"fmt"
	"log/slog"
	"sync/atomic"

	"golang.org/x/sys/windows"
	winreg "golang.org/x/sys/windows/registry"

	"github.com/tetherhq/tether/internal/winapi"
)

// Ctrl+Alt+Del cannot be injected: Windows reserves it (the secure attention
// sequence, SAS) and only raises it for the real keyboard or for
// sas.dll!SendSAS. SendSAS(FALSE) works from a LocalSystem service — the
// agent's service and the helper it starts in the user's session — and
// only while the SoftwareSASGeneration policy allows services to generate
// it. Anywhere else (the interactive support app, Wine) it is refused with
// ErrSASUnavailable instead of pretending.

var (
	sasDLL      = windows.NewLazySystemDLL("sas.dll")
	procSendSAS = sasDLL.NewProc("SendSAS")
)

// sasPolicyKey and sasPolicyValue are the machine policy that allows
// software to generate the SAS: 0 none, 1 services, 2 Ease of Access
// applications, 3 both.
const (
	sasPolicyKey   = `SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System`
	sasPolicyValue = "SoftwareSASGeneration"
	sasServices    = 1
)

// raiseVia, when set, raises the sequence for this process
// (SecureAttentionVia).
var raiseVia atomic.Pointer[func() error]

// SecureAttentionVia makes this process raise Ctrl+Alt+Del with raise: a
// service's view helper serves the view in the user's session but is not
// itself a service, so it asks its service (which calls
// [SendSecureAttention]). nil goes back to sending it here.
func SecureAttentionVia(raise func() error) {
	if raise == nil {
		raiseVia.Store(nil)
		return
	}
	raiseVia.Store(&raise)
}

// SecureAttention sends Ctrl+Alt+Del (see [SecureAttentioner]).
func (w *sendInputInjector) SecureAttention() error {
	if err := w.lock(); err != nil {
		return err
	}
	defer w.mu.Unlock()
	return w.secureAttention()
}

func (w *sendInputInjector) secureAttention() error {
	if raise := raiseVia.Load(); raise != nil {
		return (*raise)()
	}
	return SendSecureAttention(w.log)
}

// SendSecureAttention raises the sequence from this process with
// SendSAS, first letting services generate it (SoftwareSASGeneration); it
// fails with ErrSASUnavailable unless this process runs as LocalSystem
// and sas.dll is there.
func SendSecureAttention(log *slog.Logger) error {
	system, err := winapi.IsLocalSystem()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSASUnavailable, err)
	}
	if !system {
		return fmt.Errorf("%w: SendSAS only works from the LocalSystem service, and this process runs as another user", ErrSASUnavailable)
	}
	if err := procSendSAS.Find(); err != nil {
		return fmt.Errorf("%w: sas.dll: %w", ErrSASUnavailable, err)
	}
	if changed, err := allowServiceSAS(); err != nil {
		// Best effort: a domain policy may own the value; SendSAS then
		// does nothing visible, which we cannot detect (it returns void).
		log.Warn("input: cannot allow services to send Ctrl+Alt+Del (SoftwareSASGeneration)", "err", err)
	} else if changed {
		log.Info("input: set SoftwareSASGeneration so the service may send Ctrl+Alt+Del")
	}
	_, _, _ = procSendSAS.Call(0) // FALSE: the caller is a service, not an Ease of Access app
	return nil
}

// allowServiceSAS makes sure the SoftwareSASGeneration policy includes
// services, keeping the Ease of Access bit an administrator may have set.
func allowServiceSAS() (changed bool, err error) {
	k, _, err := winreg.CreateKey(winreg.LOCAL_MACHINE, sasPolicyKey,
		winreg.QUERY_VALUE|winreg.SET_VALUE|winreg.WOW64_64KEY)
	if err != nil {
		return false, fmt.Errorf("open HKLM\\%s: %w", sasPolicyKey, err)
	}
	defer k.Close()
	cur, _, err := k.GetIntegerValue(sasPolicyValue)
	if err != nil && err != winreg.ErrNotExist {
		return false, fmt.Errorf("read %s: %w", sasPolicyValue, err)
	}
	want, change := sasPolicy(uint32(cur), err == nil)
	if !change {
		return false, nil
	}
	if err := k.SetDWordValue(sasPolicyValue, want); err != nil {
		return false, fmt.Errorf("write %s=%d: %w", sasPolicyValue, want, err)
	}
	return true, nil
}

// sasPolicy returns the value SoftwareSASGeneration needs so that services
// may send the SAS, and whether it differs from the current one.
func sasPolicy(cur uint32, exists bool) (uint32, bool) {
	if !exists {
		return sasServices, true
	}
	if cur&sasServices != 0 {
		return cur, false
	}
	return (cur & 3) | sasServices, true
}
