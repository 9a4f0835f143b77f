//go:build unix && !linux

package main

import "syscall"

// setParentDeathSignal does nothing where the kernel offers no parent-death signal; the
// children then outlive a dev that was killed with SIGKILL.
func setParentDeathSignal(*syscall.SysProcAttr) {}
