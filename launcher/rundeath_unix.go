//go:build unix

package launcher

import (
	"os"
	"runtime"
)

// Should vsync die without stopping its child (SIGKILL, a crash), Run's
// child must not live on re-parented to init, nor what it started: the
// child is started with a parent-death signal (SIGKILL, on Linux, from a
// thread that stays alive as long as Run), and a watchdog (the one
// RunGroup uses, see startWatchdog) kills the child's process group.

// startLocked runs start on an OS thread locked for the duration of Run:
// the parent-death signal fires when the thread that forked the child
// exits, not the process, and a Go thread may exit once unlocked. The
// returned release lets the thread go; call it when Run returns.
func startLocked(start func() (*os.Process, error)) (*os.Process, error, func()) {
	type result struct {
		p   *os.Process
		err error
	}
	res := make(chan result)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		p, err := start()
		res <- result{p, err}
		<-done
		runtime.UnlockOSThread()
	}()
	r := <-res
	return r.p, r.err, func() { close(done) }
}

// startWatchdog starts the watchdog, its shell included, before the
// child, except as PID 1 (when PID 1 dies the kernel kills every process
// of its namespace): so that it can be told the child's process group as
// soon as the child exists, and so that there is no moment when the child
// runs without it. Started on another thread while the child is started
// (cebdce6, 0.09 ms less), the shell could come after the child: vsync
// SIGKILLed then left only the child's parent-death signal, and what the
// child had started lived on. Only the message to the shell waited in the
// pipe, not the child. It is best effort: without /bin/sh there is only
// the parent-death signal.
func (s *supervisor) startWatchdog() {
	if os.Getpid() == 1 {
		return
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer null.Close()
	s.watchdog = startWatchdog(null)
}

// releaseWatchdog releases the watchdog, when reaping all, once it is the
// only child the process has left: nothing of the child's tree remains,
// since as a subreaper (or PID 1) every orphan of it is re-parented to
// vsync. The reaper can then run out of children.
func (s *supervisor) releaseWatchdog() {
	if s.watchdog == nil || s.watchdog.w == nil {
		return
	}
	for _, c := range childrenOf(os.Getpid()) {
		if !s.watchdog.is(c) {
			return
		}
	}
	s.watchdog.release()
}
