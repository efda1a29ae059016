package pgtest

import "syscall"

// procAttr runs the server as another user when the tests run as root.
// Pdeathsig (which Go sets after the credential change, so it survives it)
// kills the server if the test binary dies on a timeout.
func procAttr(as *runAs) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if as != nil {
		a.Credential = &syscall.Credential{Uid: uint32(as.uid), Gid: uint32(as.gid)}
	}
	return a
}
