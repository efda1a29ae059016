// Package testdir gives tests a temporary directory that is removed after
// the test, like testing.T.TempDir, also under Wine.
//
// Under Wine 8, os.RemoveAll fails with "unlinkat …: Invalid function."
// (see package removeall). Test binaries that scripts/wine.sh builds with
// -tags wine switch Go's own delete fallback on (wine_windows.go); a
// binary built otherwise and run under Wine still gets its directories
// removed here, entry by entry (removeall.Each). Real Windows never needs
// the fallback; the programs under test keep theirs (installer.removeAll)
// where they remove trees in production.
package testdir

import (
	"github.com/tetherhq/tether/internal/removeall"
	"os"
	"strings"
	"testing"
	"time"
)

// New returns a new empty directory, removed when the test and its
// subtests end; a directory that cannot be removed fails the test, as
// with t.TempDir.
func New(t testing.TB) string {
	t.Helper()
	if !needed {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("", pattern(t.Name()))
	if err != nil {
		t.Fatalf("testdir: %v", err)
	}
	t.Cleanup(func() {
		if err := RemoveAll(dir); err != nil {
			entries, _ := os.ReadDir(dir)
			t.Errorf("testdir: cleanup: %v (left: %v)", err, entries)
		}
	})
	return dir
}

// pattern turns a test name into a MkdirTemp pattern (no separators,
// bounded length), as t.TempDir does.
func pattern(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, name)
	if len(name) > 64 {
		name = name[:64]
	}
	return name + "-*"
}

// RemoveAll is os.RemoveAll that, where os.RemoveAll fails, removes the
// tree one entry at a time (children first). Like testing's own cleanup it
// retries for a while: a process the test started may still hold a file
// open for a moment after it exited (Windows refuses to delete open
// files), and a Windows uninstall deletes its dir from a detached cmd.exe
// a few seconds after it returned (installer.DeleteAfterExit).
func RemoveAll(dir string) error {
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; {
		if err = os.RemoveAll(dir); err == nil {
			return nil
		}
		if err = removeall.Each(dir); err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
