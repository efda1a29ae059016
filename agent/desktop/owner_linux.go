package desktop

import (
	"os"
	"syscall"
)

func ownerOf(path string) int {
	fi, err := os.Stat(path)
	if err != nil {
		return -2
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -2
}
