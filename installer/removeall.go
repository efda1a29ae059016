package installer

import (
	"errors"
	"os"
	"runtime"

	"github.com/tetherhq/tether/internal/removeall"
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
	if eerr := removeall.Each(dir); eerr != nil {
		return errors.Join(err, eerr)
	}
	return nil
}
