//go:build unix

package clustertest

import "syscall"

// Pause freezes the node (SIGSTOP): its connections stay open but it
// answers nothing, as a node stuck on a dead disk or swapping does, until
// Resume.
func (n *Node) Pause() {
	if n.Running() {
		n.cmd.Process.Signal(syscall.SIGSTOP)
	}
}

// Resume lets a paused node go on (SIGCONT).
func (n *Node) Resume() {
	if n.Running() {
		n.cmd.Process.Signal(syscall.SIGCONT)
	}
}
