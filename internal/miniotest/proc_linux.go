//go:build linux

package miniotest

import "syscall"

// sysProcAttr makes the kernel kill minio when the test process dies without
// running its cleanups (a timeout panic, a SIGKILL): no server outlives the
// test binary.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
