package supervise

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// forward hands s to the running incarnation without ever blocking: like
// signal.Notify, it drops a signal when the buffer is full.
func forward(ch chan os.Signal, s os.Signal) {
	select {
	case ch <- s:
	default:
	}
}

// signalLabel is "SIGHUP" for SIGHUP.
func signalLabel(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return n
	}
	return s.String()
}
