package main

import "syscall"

// everyCatchableSignals are the signals TestRunForwardsSignalsOnce sends
// before TERM, with the names the helper child prints for them: on Linux
// the ones that crashed vsync with a Go runtime dump, or were swallowed,
// and a real-time signal.
var (
	everyCatchableSignals = []syscall.Signal{syscall.SIGABRT, syscall.SIGILL, syscall.SIGTRAP, syscall.SIGBUS, syscall.SIGFPE,
		syscall.SIGSEGV, syscall.SIGSTKFLT, syscall.SIGSYS, syscall.SIGALRM, syscall.SIGPIPE,
		syscall.SIGXCPU, syscall.SIGXFSZ, syscall.SIGVTALRM, syscall.SIGIO, syscall.SIGPWR,
		syscall.SIGCONT, 40, syscall.SIGTERM}
	everyCatchableNames = []string{"ABRT", "ILL", "TRAP", "BUS", "FPE", "SEGV", "STKFLT", "SYS", "ALRM", "PIPE",
		"XCPU", "XFSZ", "VTALRM", "IO", "PWR", "CONT", "40", "TERM"}
)
