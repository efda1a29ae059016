package input

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestXTestXterm types into a real X client: xterm running cat, whose
// output file must end up holding exactly what Text typed. Unlike the
// event-level tests this exercises a client's own keysym translation,
// including re-reading the mapping after a spare keycode was remapped.
func TestXTestXterm(t *testing.T) {
	display := startXvfb(t)
	xterm := requireBinary(t, "xterm")
	dir := t.TempDir()
	out, ready := filepath.Join(dir, "typed.txt"), filepath.Join(dir, "ready")

	cmd := exec.CommandContext(t.Context(), xterm, "-geometry", "80x24+0+0", "-u8",
		"-e", "sh", "-c", `touch "$1"; exec cat > "$2"`, "sh", ready, out)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "LC_ALL=C.UTF-8")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start xterm: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	waitFor(t, func() bool { _, err := os.Stat(ready); return err == nil })

	inj := openTestInjector(t, display)
	// No window manager: keyboard focus follows the pointer (PointerRoot),
	// so putting the pointer over xterm gives it the keys.
	if err := inj.MouseMove(100, 100); err != nil {
		t.Fatal(err)
	}
	const text = "echo hi\nHello, World! ~`|\\ <>?\ncafé ß € 日本 Ωж\n"
	if err := inj.Text(text); err != nil {
		t.Fatal(err)
	}
	// Ctrl+D at the start of a line ends cat, which ends xterm.
	for _, s := range []struct {
		code string
		down bool
	}{{"ControlLeft", true}, {"KeyD", true}, {"KeyD", false}, {"ControlLeft", false}} {
		if err := inj.Key(s.code, s.down); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		got, _ := os.ReadFile(out)
		t.Fatalf("xterm did not exit after Ctrl+D; file so far: %q", got)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != text {
		t.Errorf("file holds %q, want %q", got, text)
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if cond() {
			return
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatal("timed out waiting for condition")
}
