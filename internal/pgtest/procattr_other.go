//go:build !linux

package pgtest

import "syscall"

// procAttr: elsewhere there is no Pdeathsig and tests run as an ordinary
// user (as root, postgres itself refuses to start and says why); Main
// stops the server.
func procAttr(*runAs) *syscall.SysProcAttr { return nil }
