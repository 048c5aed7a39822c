//go:build linux

package launcher

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// setSubreaper sets PR_SET_CHILD_SUBREAPER to on and returns the previous
// setting, so that Run can restore it.
func setSubreaper(on bool) (prev bool, err error) {
	var cur int32
	if err := unix.Prctl(unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&cur)), 0, 0, 0); err != nil {
		return false, err
	}
	var v uintptr
	if on {
		v = 1
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, v, 0, 0, 0); err != nil {
		return cur != 0, err
	}
	return cur != 0, nil
}

// childrenOf lists the live (not zombie) children of pid. It reads the
// kernel's per-thread lists /proc/pid/task/*/children (a handful of small
// files, since a process's children hang off the thread that made them or
// that they were reparented to), and falls back to scanning every
// /proc/*/stat where those lists are missing (CONFIG_PROC_CHILDREN off).
// Errors (a process vanishing mid-scan) are skipped.
func childrenOf(pid int) []int {
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		return nil
	}
	var kids []int
	listed := false
	var buf [512]byte
	for _, t := range tasks {
		b, err := readProcFile("/proc/"+strconv.Itoa(pid)+"/task/"+t.Name()+"/children", buf[:0])
		if err != nil {
			continue
		}
		listed = true
		for _, f := range bytes.Fields(b) {
			p, err := strconv.Atoi(string(f))
			if err != nil {
				continue
			}
			if state, _, ok := procStat(p); ok && state != 'Z' && state != 'X' {
				kids = append(kids, p)
			}
		}
	}
	if !listed {
		return scanChildren(pid)
	}
	return kids
}

// scanChildren is childrenOf by scanning /proc/*/stat.
func scanChildren(pid int) []int {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	var kids []int
	for _, n := range names {
		p, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		state, ppid, ok := procStat(p)
		if ok && ppid == pid && state != 'Z' && state != 'X' {
			kids = append(kids, p)
		}
	}
	return kids
}

// procStat reads the state and parent pid of pid from /proc/pid/stat.
func procStat(pid int) (state byte, ppid int, ok bool) {
	var buf [512]byte
	b, err := readProcFile("/proc/"+strconv.Itoa(pid)+"/stat", buf[:0])
	if err != nil {
		return 0, 0, false
	}
	// "pid (comm) S ppid ..."; comm may contain spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 2 || len(f[0]) != 1 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(string(f[1]))
	if err != nil {
		return 0, 0, false
	}
	return f[0][0], ppid, true
}

// readProcFile appends the contents of the /proc file path to buf. It is
// os.ReadFile without the os.File around the descriptor: open, read until
// end of file, close, where os.File also tried to register the descriptor
// with the runtime's poller and looked at its flags and size (nine system
// calls instead of three; childrenOf reads one file per thread of vsync
// when `vsync run` tears down). The caller's buf, when large enough,
// keeps it from allocating.
func readProcFile(path string, buf []byte) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// setForeground makes pgid the foreground process group of the terminal
// fd. A process outside the foreground group gets SIGTTOU for that unless
// it blocks or ignores the signal, so SIGTTOU is blocked on this thread
// only, for the duration of the ioctl, rather than process-wide.
func setForeground(fd, pgid int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var set, old unix.Sigset_t
	sig := uint(unix.SIGTTOU) - 1
	set.Val[sig/64] |= 1 << (sig % 64)
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &set, &old); err != nil {
		return err
	}
	err := unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, pgid)
	if e := unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil); err == nil {
		err = e
	}
	return err
}

// isStopped reports whether pid is stopped now (state T), as the kernel
// has it, before its parent's wait4 may have reported it.
func isStopped(pid int) bool {
	state, _, ok := procStat(pid)
	return ok && state == 'T'
}
