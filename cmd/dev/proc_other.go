//go:build !unix

package main

import (
	"os"
	"syscall"
)

// sysProcAttr has nothing to set outside Unix.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killTree kills the child.
func killTree(p *os.Process) { _ = p.Kill() }
