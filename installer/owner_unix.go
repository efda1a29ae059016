//go:build !windows

package installer

import (
	"io/fs"
	"os"
	"syscall"
)

// ownedByUs reports whether fi belongs to this process's effective user.
func ownedByUs(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

// ownerUID is the owner of fi (-1 when unknown).
func ownerUID(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}
