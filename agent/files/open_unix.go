//go:build unix

package files

import (
	"io/fs"
	"os"
	"syscall"
)

// openRead opens for reading without blocking on a FIFO (O_NONBLOCK has no
// effect on regular files; Open refuses anything else right after).
func openRead(r *os.Root, p string) (*os.File, error) {
	return r.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// linkCount is the number of hard links to a file, 1 when unknown.
func linkCount(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}
