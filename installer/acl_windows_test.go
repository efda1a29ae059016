package installer

import (
	"github.com/tetherhq/tether/internal/wintest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// underWine: Wine accepts SetNamedSecurityInfo but keeps no file security
// descriptors (it reads back a default DACL), so what it stored cannot be
// checked there; real Windows checks it all.
// TestServiceDirACL: the install dir of a service-mode jump client gets a
// protected DACL (no inheritance from a parent users may write to), files
// created in it afterwards inherit it, and the state dir has no Users
// entry. Runs on Windows and under Wine (scripts/wine.sh test ./installer).
func TestServiceDirACL(t *testing.T) {
	// The descriptors themselves, as Windows parses them.
	for sddl, want := range map[string][]string{
		sddlServiceDir:   {"(A;OICI;FA;;;SY)", "(A;OICI;FA;;;BA)", "(A;OICI;0x1200a9;;;BU)"},
		sddlServiceState: {"(A;OICI;FA;;;SY)", "(A;OICI;FA;;;BA)"},
	} {
		sd, err := windows.SecurityDescriptorFromString(sddl)
		if err != nil {
			t.Fatal(err)
		}
		ctl, _, err := sd.Control()
		if err != nil || ctl&windows.SE_DACL_PROTECTED == 0 {
			t.Errorf("%s: control %#x, %v: not protected", sddl, ctl, err)
		}
		dacl, _, err := sd.DACL()
		if err != nil || int(dacl.AceCount) != len(want) {
			t.Errorf("%s: %v ACEs, want %d (%v)", sddl, dacl, len(want), err)
		}
	}

	base, err := os.MkdirTemp("", "tether-acl-")
	if err != nil {
		t.Fatal(err)
	}
	// Per entry: os.RemoveAll fails under Wine (removeAll's fallback).
	t.Cleanup(func() { removeAll(base) })
	dir, state := filepath.Join(base, "jc"), filepath.Join(base, "jc", "state")
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := secureServiceDirs(dir, state); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "tether.exe"), []byte("MZ"), 0o755)
	got, err := DACLString(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("install dir: %s", got)
	if _, wine := wintest.Wine(); wine {
		// The stored DACL is checked on real Windows only: CI has none.
		t.Skip("Wine keeps no file ACLs: the descriptors and the calls are checked, what was stored is not")
	}
	for _, ace := range []string{"(A;OICI;FA;;;SY)", "(A;OICI;FA;;;BA)", "(A;OICI;0x1200a9;;;BU)"} {
		if !strings.Contains(got, ace) {
			t.Errorf("install dir DACL %s lacks %s", got, ace)
		}
	}
	if !strings.HasPrefix(got, "D:P") {
		t.Errorf("install dir DACL %s is not protected", got)
	}
	file, err := DACLString(filepath.Join(dir, "tether.exe"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(file, ";WD)") || strings.Contains(file, ";AU)") || !strings.Contains(file, ";BU)") {
		t.Errorf("a file in the install dir does not inherit the dir's ACL: %s", file)
	}
	st, err := DACLString(state)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(st, ";BU)") || !strings.Contains(st, "(A;OICI;FA;;;SY)") {
		t.Errorf("state dir DACL %s", st)
	}
}
