package clipboard

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/internal/xvfbtest"
)

// The other X client in these tests is xclip, as a user's program would
// be: it reads what we own and takes the selection from us.

func xclipCmd(t *testing.T, display string, args ...string) *exec.Cmd {
	bin := xvfbtest.RequireBinary(t, "xclip")
	cmd := exec.Command(bin, append([]string{"-selection", "clipboard"}, args...)...)
	cmd.Env = append(cmd.Environ(), "DISPLAY="+display)
	return cmd
}

func TestX11BothWays(t *testing.T) {
	x := xvfbtest.Start(t, 320, 240)
	c, err := Open(Options{Display: x.Display})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	seen := make(chan string, 4)
	go c.Watch(ctx, func(s string) { seen <- s })
	time.Sleep(100 * time.Millisecond) // the watch is registered

	for _, text := range []string{"héllo ✓ from the technician", strings.Repeat("0123456789abcdef", 40<<10)} {
		// Ours → xclip (the large one over INCR).
		if err := c.Set(text); err != nil {
			t.Fatal(err)
		}
		var out []byte
		for try := 0; try < 20; try++ {
			out, err = xclipCmd(t, x.Display, "-o", "-target", "UTF8_STRING").Output()
			if err == nil && string(out) == text {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if string(out) != text {
			t.Fatalf("xclip read %d bytes (%v), want the %d we set", len(out), err, len(text))
		}
		if got, err := c.Get(ctx); err != nil || got != text {
			t.Fatalf("Get while owning: %d bytes, %v", len(got), err)
		}
	}

	for _, text := range []string{"copied on the remote computer — ünïcode", strings.Repeat("x", 300<<10)} {
		// xclip → ours: the watch sees it, Get reads it (INCR for the large one).
		cmd := xclipCmd(t, x.Display, "-i")
		cmd.Stdin = strings.NewReader(text)
		if err := cmd.Run(); err != nil { // xclip forks and keeps serving
			t.Fatal(err)
		}
		select {
		case got := <-seen:
			if got != text {
				t.Fatalf("watch saw %d bytes, want %d", len(got), len(text))
			}
		case <-ctx.Done():
			t.Fatal("the watch saw nothing")
		}
		if got, err := c.Get(ctx); err != nil || got != text {
			t.Fatalf("Get: %d bytes, %v; want %d", len(got), err, len(text))
		}
	}
	select {
	case s := <-seen:
		t.Fatalf("our own Set was reported as a change: %q", s[:min(len(s), 20)])
	default:
	}
}
