//go:build unix && !linux

package launcher

import "syscall"

// maxSignal is the highest signal number of the classic set; real-time
// signals, where the system has them, are not forwarded.
const maxSignal = 31

// runtimeSignal reports whether s is kept by the Go runtime: none below
// maxSignal on these systems.
func runtimeSignal(syscall.Signal) bool { return false }
