//go:build unix && !linux

package launcher

import (
	"os"
	"syscall"
)

// groupSysProcAttr is the start attributes of a RunGroup process: its own
// process group. These systems have no parent-death signal.
func groupSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// growPipe does nothing where pipes cannot be resized.
func growPipe(*os.File) {}
