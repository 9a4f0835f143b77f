package main

import "syscall"

// setParentDeathSignal has Linux send SIGTERM to a child if dev dies without stopping it
// (kill -9), since its own process group no longer shares dev's fate.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGTERM
}
