//go:build !linux

package main

import "syscall"

// everyCatchableSignals: outside Linux, the classic signals both Linux and
// the BSDs have (no SIGSTKFLT, SIGPWR or real-time signals).
var (
	everyCatchableSignals = []syscall.Signal{syscall.SIGABRT, syscall.SIGILL, syscall.SIGTRAP, syscall.SIGBUS, syscall.SIGFPE,
		syscall.SIGSEGV, syscall.SIGSYS, syscall.SIGALRM, syscall.SIGPIPE,
		syscall.SIGXCPU, syscall.SIGXFSZ, syscall.SIGVTALRM, syscall.SIGIO,
		syscall.SIGCONT, syscall.SIGTERM}
	everyCatchableNames = []string{"ABRT", "ILL", "TRAP", "BUS", "FPE", "SEGV", "SYS", "ALRM", "PIPE",
		"XCPU", "XFSZ", "VTALRM", "IO", "CONT", "TERM"}
)
