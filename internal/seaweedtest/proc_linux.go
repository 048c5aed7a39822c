//go:build linux

package seaweedtest

import "syscall"

// sysProcAttr makes the kernel kill weed when the test process dies without
// running its cleanups: no server outlives the test binary.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
