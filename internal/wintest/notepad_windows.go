package wintest

import (
	"os/exec"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Notepad is a running notepad.exe (Windows' own, or the one Wine ships).
type Notepad struct {
	cmd  *exec.Cmd
	Main windows.HWND // the top-level window
	Edit windows.HWND // its edit control
}

// StartNotepad starts Notepad, finds its windows, brings it to the
// foreground and kills it in t's cleanup (killing skips the "save
// changes?" dialog).
func StartNotepad(t testing.TB) *Notepad {
	t.Helper()
	cmd := exec.Command("notepad.exe")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start notepad: %v", err)
	}
	n := &Notepad{cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	for n.Main == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no Notepad window within 20s")
		}
		time.Sleep(50 * time.Millisecond)
		n.Main = findWindow(windows.StringToUTF16Ptr("Notepad"), uint32(cmd.Process.Pid))
	}
	e, _, _ := procFindWindowExW.Call(uintptr(n.Main), 0, uintptr(unsafe.Pointer(windows.StringToUTF16Ptr("Edit"))), 0)
	if e == 0 {
		t.Fatal("Notepad has no Edit control")
	}
	n.Edit = windows.HWND(e)
	Foreground(t, n.Main)
	return n
}

// findWindow returns the visible top-level window of class cls owned by pid.
func findWindow(cls *uint16, pid uint32) windows.HWND {
	var after uintptr
	for {
		h, _, _ := procFindWindowExW.Call(0, after, uintptr(unsafe.Pointer(cls)), 0)
		if h == 0 {
			return 0
		}
		var owner uint32
		procGetWindowThreadProcessId.Call(h, uintptr(unsafe.Pointer(&owner)))
		if vis, _, _ := procIsWindowVisible.Call(h); owner == pid && vis != 0 {
			return windows.HWND(h)
		}
		after = h
	}
}

// Text returns the edit control's text (WM_GETTEXT; Windows marshals it
// across processes).
func (n *Notepad) Text() string {
	l, _, _ := procSendMessageW.Call(uintptr(n.Edit), wmGetTextLength, 0, 0)
	buf := make([]uint16, l+1)
	got, _, _ := procSendMessageW.Call(uintptr(n.Edit), wmGetText, uintptr(len(buf)), uintptr(unsafe.Pointer(&buf[0])))
	return windows.UTF16ToString(buf[:got])
}

// Clear empties the edit control.
func (n *Notepad) Clear() {
	empty := []uint16{0}
	procSendMessageW.Call(uintptr(n.Edit), wmSetText, 0, uintptr(unsafe.Pointer(&empty[0])))
}

// WaitText waits until the text equals want (injected input is processed
// asynchronously by the target's message loop) and fails with what it has
// otherwise.
func (n *Notepad) WaitText(t testing.TB, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := n.Text()
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Notepad text = %q, want %q", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// SetText replaces the edit control's text (WM_SETTEXT), lifting the
// control's default limit first so large text fits.
func (n *Notepad) SetText(text string) {
	procSendMessageW.Call(uintptr(n.Edit), emSetLimitText, 0, 0)
	u, _ := windows.UTF16FromString(text)
	procSendMessageW.Call(uintptr(n.Edit), wmSetText, 0, uintptr(unsafe.Pointer(&u[0])))
}

// Copy selects all of the text and copies it (WM_COPY): Notepad's own
// process puts it on the clipboard, as Ctrl+A, Ctrl+C would.
func (n *Notepad) Copy() {
	procSendMessageW.Call(uintptr(n.Edit), emSetSel, 0, ^uintptr(0))
	procSendMessageW.Call(uintptr(n.Edit), wmCopy, 0, 0)
}

// Paste replaces the text with the clipboard's (WM_PASTE), read by
// Notepad's own process, as Ctrl+V would.
func (n *Notepad) Paste() {
	procSendMessageW.Call(uintptr(n.Edit), emSetLimitText, 0, 0)
	procSendMessageW.Call(uintptr(n.Edit), emSetSel, 0, ^uintptr(0))
	procSendMessageW.Call(uintptr(n.Edit), wmPaste, 0, 0)
}
