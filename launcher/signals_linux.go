//go:build linux

package launcher

import "syscall"

// maxSignal is the highest signal number (SIGRTMAX).
const maxSignal = 64

// runtimeSignal reports whether s is one of the real-time signals the Go
// runtime keeps for itself, as the C library does (SIGCANCEL, SIGSETXID
// and musl's SIGSYNCCALL): sent with kill, they never reach the program.
func runtimeSignal(s syscall.Signal) bool { return s >= 32 && s <= 34 }
