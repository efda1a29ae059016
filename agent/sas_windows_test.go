package agent

import (
	"encoding/json"
	"github.com/tetherhq/tether/input"
	"log/slog"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestSASRelay: a service's view helper cannot raise Ctrl+Alt+Del itself;
// the viewer's chord in the helper sets the event the service made for
// it, and the service raises the sequence once — across processes, with
// the handle inherited as the service's CreateProcessAsUser passes it. The
// raise is faked: SendSAS needs a real Windows service (Wine has no
// sas.dll).
func TestSASRelay(t *testing.T) {
	raised := make(chan struct{}, 4)
	r, err := newSASRelay(func() error { raised <- struct{}{}; return nil }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	job, _ := json.Marshal(ViewHelperJob{SASEvent: r.Handle()})
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestSASHelperChild$", "-test.v")
	cmd.Env = append(os.Environ(), "TETHER_SAS_CHILD="+string(job))
	cmd.SysProcAttr = &syscall.SysProcAttr{AdditionalInheritedHandles: []syscall.Handle{syscall.Handle(r.Handle())}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	select {
	case <-raised:
	case <-time.After(10 * time.Second):
		t.Fatalf("the service never raised the sequence; helper said:\n%s", out)
	}
	select {
	case <-raised:
		t.Fatal("one chord raised the sequence twice")
	case <-time.After(300 * time.Millisecond):
	}
}

// TestSASHelperChild is TestSASRelay's helper process: the toolbar's chord
// typed through the real Windows input backend, whose Delete must become
// the request to the service.
func TestSASHelperChild(t *testing.T) {
	raw := os.Getenv("TETHER_SAS_CHILD")
	if raw == "" {
		t.Skip("the helper side of TestSASRelay")
	}
	var job ViewHelperJob
	if err := json.Unmarshal([]byte(raw), &job); err != nil {
		t.Fatal(err)
	}
	useServiceSAS(job.SASEvent)
	defer input.SecureAttentionVia(nil)
	inj, err := input.Open(input.WithBackend(input.BackendSendInput))
	if err != nil {
		t.Fatal(err)
	}
	defer inj.Close()
	ctrlAltDel(t, &injector{Injector: inj})
}
