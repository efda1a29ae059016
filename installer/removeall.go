package installer

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
)

// removeAll removes dir and everything in it. os.RemoveAll first; where it
// fails, one os.Remove per entry, deepest first: Wine lacks the
// FileDispositionInformationEx that Go's RemoveAll uses on Windows
// ("unlinkat …: Invalid function"), while plain deletes work. The walk
// does not follow symlinks (Lstat-based). Only on Windows: on Unix root
// may be removing a directory its user can change, where only RemoveAll's
// descriptor-relative deletes are safe from swapped-in symlinks.
func removeAll(dir string) error {
	err := os.RemoveAll(dir)
	if err == nil || runtime.GOOS != "windows" {
		return err
	}
	var paths []string
	walkErr := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // gone meanwhile or unreadable: Remove below reports it
		}
		paths = append(paths, p)
		return nil
	})
	if walkErr != nil {
		return err
	}
	// WalkDir lists parents before children: remove in reverse.
	slices.Reverse(paths)
	var errs []error
	for _, p := range paths {
		if rerr := os.Remove(p); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			errs = append(errs, rerr)
		}
	}
	if _, serr := os.Lstat(dir); errors.Is(serr, fs.ErrNotExist) {
		return nil
	}
	return errors.Join(append([]error{err}, errs...)...)
}
