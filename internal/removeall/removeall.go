// Package removeall removes a directory tree entry by entry, deepest
// first. Under Wine 8, os.RemoveAll fails with "unlinkat …: Invalid
// function.": Go deletes through NtSetInformationFile
// (FileDispositionInformationEx), which Wine answers with a status Go does
// not take as "unsupported", so Go's own fallback never runs; os.Remove of
// one entry at a time works. The installer (installer.removeAll) and the
// tests' temporary directories (internal/testdir) fall back to it.
package removeall

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Each removes dir and everything in it with one os.Remove per entry,
// children before their parents. The walk does not follow symlinks.
func Each(dir string) error {
	var paths []string
	filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err == nil {
			paths = append(paths, p)
		}
		return nil // gone meanwhile or unreadable: the Remove below reports what is left
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
