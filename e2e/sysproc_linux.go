package e2e

import (
	"os/exec"
	"syscall"
)

// dieWithTest makes the child get SIGKILL if the test process dies, so
// a killed test run leaves no Xvfb, xterm, site or agent behind.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
