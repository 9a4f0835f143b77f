//go:build unix

package main

import (
	"os"
	"syscall"
)

// sysProcAttr puts each child in its own process group, so a Ctrl-C in the terminal
// reaches dev alone and every child gets exactly one signal: the one dev passes on. (A
// Keel process that got two would be killed by the second before finishing its stop.)
func sysProcAttr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(attr)
	return attr
}

// killTree kills the child and anything it started in its process group.
func killTree(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	_ = p.Kill()
}
