package shell

import (
	"github.com/tetherhq/tether/internal/wintest"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// skipUnderWine skips tests of the console's I/O under Wine: Wine 8
// creates the pseudo console and attaches the child (the title shows its
// name) but does not connect the child's standard handles to it, and has
// no ResizePseudoConsole. Start, Close and Wait still run there.
func skipUnderWine(t *testing.T) {
	if _, wine := wintest.Wine(); wine {
		t.Skip("Wine's pseudo console does not carry the child's I/O")
	}
}

func testShell() []string {
	sys, _ := windows.GetSystemDirectory()
	return []string{filepath.Join(sys, "cmd.exe"), "/Q"}
}

func TestConPTYEcho(t *testing.T) {
	skipUnderWine(t)
	tm := start(t, Options{Command: testShell(), AllowRoot: true})
	tm.send("set /a 6*7\r")
	tm.expect(`42`)
	tm.send("echo [%TETHER_EXTRA%]\r")
	tm.expect(`\[%TETHER_EXTRA%\]`) // unset
}

func TestConPTYEnv(t *testing.T) {
	skipUnderWine(t)
	tm := start(t, Options{Command: testShell(), AllowRoot: true, Env: []string{"TETHER_EXTRA=yes"}})
	tm.send("echo [%TETHER_EXTRA%]\r")
	tm.expect(`\[yes\]`)
}

func TestConPTYResize(t *testing.T) {
	skipUnderWine(t)
	tm := start(t, Options{Command: testShell(), AllowRoot: true, Cols: 100, Rows: 30})
	if err := tm.s.Resize(132, 43); err != nil {
		t.Fatal(err)
	}
	tm.send("mode con\r")
	tm.expect(`132`)
}

// TestConPTYClose checks that Close ends the shell and the processes it
// started (the job object), and that a pending Read returns.
func TestConPTYClose(t *testing.T) {
	tm := start(t, Options{Command: []string{testShell()[0], "/Q", "/K", "ping -n 1000 127.0.0.1 >NUL"}, AllowRoot: true})
	pids := []uint32{uint32(tm.s.Pid())}
	for deadline := time.Now().Add(10 * time.Second); len(pids) == 1 && time.Now().Before(deadline); {
		pids = append(pids, childrenOf(t, pids[0])...)
		time.Sleep(20 * time.Millisecond)
	}
	if len(pids) == 1 {
		t.Fatal("the shell started no child")
	}
	var handles []windows.Handle
	for _, pid := range pids {
		h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, pid)
		if err != nil {
			t.Fatalf("process %d: %v", pid, err)
		}
		defer windows.CloseHandle(h)
		if ev, _ := windows.WaitForSingleObject(h, 0); ev != uint32(windows.WAIT_TIMEOUT) {
			t.Fatalf("process %d not running before Close", pid)
		}
		handles = append(handles, h)
	}
	if err := tm.s.Close(); err != nil {
		t.Fatal(err)
	}
	for i, h := range handles {
		if ev, _ := windows.WaitForSingleObject(h, 5000); ev != windows.WAIT_OBJECT_0 {
			t.Errorf("process %d still running after Close", pids[i])
		}
	}
	if err := tm.ended(); err == nil {
		t.Error("Read after Close returned no error")
	}
	if err := tm.s.Wait(); err == nil {
		t.Error("Wait = nil for a terminated shell")
	}
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(t *testing.T, pid uint32) []uint32 {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(snap)
	var out []uint32
	e := windows.ProcessEntry32{Size: uint32(unsafe.Sizeof(windows.ProcessEntry32{}))}
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		if e.ParentProcessID == pid {
			out = append(out, e.ProcessID)
		}
	}
	return out
}
