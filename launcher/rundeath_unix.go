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

// startWatchdog starts the watchdog beside the child, except as PID 1
// (when PID 1 dies the kernel kills every process of its namespace): its
// pipe at once, so that it can be told the child's process group as soon
// as the child exists, and its shell on another thread while the child is
// started (the two forks and execs overlap; one after the other they cost
// `vsync run` about 0.2 ms). The returned wait, to be called once the
// child is started, returns when the shell is; when it could not be
// started (no /bin/sh) there is then no watchdog, only the parent-death
// signal. What the child's group was told waits in the pipe until the
// shell reads it.
func (s *supervisor) startWatchdog() (wait func()) {
	if os.Getpid() == 1 {
		return func() {}
	}
	wd, r := newWatchdog()
	if wd == nil {
		return func() {}
	}
	s.watchdog = wd
	started := make(chan bool, 1)
	go func() {
		null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		if err != nil {
			_ = r.Close()
			started <- false
			return
		}
		defer null.Close()
		started <- wd.start(r, null)
	}()
	return func() {
		if !<-started {
			wd.discard()
			s.watchdog = nil
		}
	}
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
