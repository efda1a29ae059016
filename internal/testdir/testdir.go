// Package testdir gives tests a temporary directory that is removed after
// the test, like testing.T.TempDir, also under Wine.
//
// Under Wine 8, os.RemoveAll fails with "unlinkat …: Invalid function.":
// Go deletes through NtSetInformationFile(FileDispositionInformationEx),
// Wine answers with a status Go does not take as "unsupported", so Go's
// own fallback never runs. t.TempDir's cleanup then fails every test that
// wrote a file. os.Remove of one entry at a time works, so this package's
// cleanup falls back to that. Real Windows never needs the fallback; the
// programs under test keep their own (installer.removeAll) where they
// remove trees in production.
package testdir

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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
		if err = removeEach(dir); err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// removeEach removes dir's entries one by one, deepest first.
func removeEach(dir string) error {
	var paths []string
	filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err == nil {
			paths = append(paths, p)
		}
		return nil // unreadable: the Remove below reports what is left
	})
	slices.Reverse(paths) // WalkDir lists parents before their children
	var errs []error
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return errors.Join(errs...)
}
