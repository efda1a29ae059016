package agent

import (
	"fmt"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
)

var procSendSAS = windows.NewLazySystemDLL("sas.dll").NewProc("SendSAS")

// secureAttention raises the secure attention sequence (what Ctrl+Alt+Del
// does at a real keyboard) through sas.dll's SendSAS(FALSE): allowed for a
// service running as LocalSystem (and where the SoftwareSASGeneration
// policy permits it). Elsewhere it fails and the keys are injected as
// usual. Only compiled here; nothing in this repository runs it.
func secureAttention() error {
	if err := procSendSAS.Find(); err != nil {
		return err
	}
	if isService, err := svc.IsWindowsService(); err != nil || !isService {
		return fmt.Errorf("SendSAS needs a service")
	}
	procSendSAS.Call(0) // void SendSAS(BOOL AsUser)
	return nil
}
