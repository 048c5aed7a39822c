//go:build linux

package launcher

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// groupPipeSize is the capacity RunGroup asks for each output pipe (the
// default is 64 KiB): a process printing fast then blocks less often.
const groupPipeSize = 1 << 20

// groupSysProcAttr is the start attributes of a RunGroup process: its own
// process group, and SIGKILL when the thread that started it (a locked
// thread that outlives the group) dies with vsync.
func groupSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// growPipe asks for a larger pipe; a refusal (over
// /proc/sys/fs/pipe-max-size for an unprivileged user) leaves it as is.
func growPipe(w *os.File) {
	if sc, err := w.SyscallConn(); err == nil {
		_ = sc.Control(func(fd uintptr) {
			_, _ = unix.FcntlInt(fd, unix.F_SETPIPE_SZ, groupPipeSize)
		})
	}
}
