package clipboard

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"github.com/tetherhq/tether/internal/wintest"
)

// The other program in these tests is Notepad (Windows' or Wine's): its
// edit control copies and pastes through the clipboard in Notepad's own
// process (WM_COPY, WM_PASTE), as Ctrl+C and Ctrl+V would. Under Wine in
// scripts/test.sh.

var windowsTexts = []struct{ name, text string }{
	{"latin and symbols", "héllo ✓ ünïcode — 5 €"},
	{"outside the BMP", "emoji 😀, clef 𝄞, CJK ext B 𠀋"},
	{"line breaks", "first\nsecond\n\nfourth after an empty line\n"},
	{"large", strings.Repeat("0123456789abcdef😀\n", 30<<10)}, // 630 KiB
}

// watchedWithNotepad opens the clipboard, watches it (seen gets what the
// watch reports) and starts Notepad; all end with the test.
func watchedWithNotepad(t *testing.T) (Clipboard, *wintest.Notepad, chan string) {
	t.Helper()
	c, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	np := wintest.StartNotepad(t)
	seen := make(chan string, 8)
	go c.Watch(t.Context(), func(s string) { seen <- s })
	return c, np, seen
}

func TestWindowsNotepadToUs(t *testing.T) {
	c, np, seen := watchedWithNotepad(t)
	time.Sleep(100 * time.Millisecond) // the watch waits
	for _, tc := range windowsTexts {
		t.Run(tc.name, func(t *testing.T) {
			np.SetText(toCRLF(tc.text)) // as a Windows program holds text
			np.Copy()
			select {
			case got := <-seen:
				if got != tc.text {
					t.Fatalf("watch saw %d bytes %q…, want %d bytes %q…", len(got), head(got), len(tc.text), head(tc.text))
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the watch did not see Notepad's copy")
			}
			if got, err := c.Get(t.Context()); err != nil || got != tc.text {
				t.Fatalf("Get: %d bytes %q… (%v), want %d bytes", len(got), head(got), err, len(tc.text))
			}
		})
	}
}

func TestWindowsUsToNotepad(t *testing.T) {
	c, np, seen := watchedWithNotepad(t)
	for _, tc := range windowsTexts {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.Set(tc.text); err != nil {
				t.Fatal(err)
			}
			np.Clear()
			np.Paste()
			want := toCRLF(tc.text) // Notepad needs "\r\n" to break lines
			for deadline := time.Now().Add(5 * time.Second); np.Text() != want; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					got := np.Text()
					t.Fatalf("Notepad pasted %d chars %q…, want %d %q…", len(got), head(got), len(want), head(want))
				}
			}
			if got, err := c.Get(t.Context()); err != nil || got != tc.text {
				t.Fatalf("Get of our own text: %d bytes (%v), want %d", len(got), err, len(tc.text))
			}
		})
	}
	select {
	case s := <-seen:
		t.Fatalf("our own Set was reported as a change: %q…", head(s))
	case <-time.After(300 * time.Millisecond):
	}
}

func TestWindowsLimits(t *testing.T) {
	c, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set(strings.Repeat("x", MaxText+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Set over MaxText: %v, want ErrTooLarge", err)
	}
	if err := c.Set("nul\x00inside"); err == nil {
		t.Error("Set of text with a NUL succeeded; Windows text ends at the NUL")
	}
	// Another owner's text over the limit is refused, not truncated. (Not
	// Notepad: Wine's edit control does not take 1 MiB.) A second client
	// writes it past Set's check, as another program would.
	other, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	o := other.(*winClip)
	u, _ := windows.UTF16FromString(strings.Repeat("y", MaxText+10))
	if err := o.do(func() error { return writeText(o.hwnd, u) }); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(t.Context()); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Get of %d bytes: %v, want ErrTooLarge", MaxText+10, err)
	}
	c.Close()
	if _, err := c.Get(t.Context()); err == nil {
		t.Error("Get after Close succeeded")
	}
	if cl, ok := c.(interface{ Closed() bool }); !ok || !cl.Closed() {
		t.Error("not Closed after Close")
	}
}

func head(s string) string { return s[:min(len(s), 24)] }

// TestWindowsPolling: without a clipboard listener (older systems) the
// watch polls the sequence number and still leaves our own text out.
func TestWindowsPolling(t *testing.T) {
	c, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*winClip).listening = false
	np := wintest.StartNotepad(t)
	seen := make(chan string, 8)
	go c.Watch(t.Context(), func(s string) { seen <- s })
	time.Sleep(100 * time.Millisecond) // the first sequence number is taken
	if err := c.Set("ours, not reported"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(pollEvery + 200*time.Millisecond) // a check sees our own change alone
	np.SetText("polled\r\ncopy")
	np.Copy()
	select {
	case got := <-seen:
		if got != "polled\ncopy" {
			t.Fatalf("watch saw %q, want Notepad's copy", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the polling watch did not see Notepad's copy")
	}
}
