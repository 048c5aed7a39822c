//go:build unix

package launcher

import (
	"context"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// supervise forwards signals until the child exits and returns its code.
// lost reports that the reaper ran out of children without seeing it.
// s.escalated tells afterwards whether SIGKILL has already been sent to
// the group.
func (s *supervisor) supervise(ctx context.Context) (code int, lost bool) {
	sigs := s.cfg.Signals
	done := ctx.Done()
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				return 1, true
			}
			if ev.pid == s.pid && ev.exited() {
				return exitStatus(ev.status), false
			}
			s.childChanged(ev)
		case sig, ok := <-sigs:
			if !ok {
				sigs = nil
				continue
			}
			s.signaled(sig)
		case <-done:
			done = nil
			s.stop(s.killSig)
		case <-s.killC:
			s.killC = nil
			s.kill()
		}
	}
}

// childChanged records that the child stopped or was continued. An event
// of another pid is an orphan re-parented to vsync: reaped (or stopped),
// nothing else to do.
func (s *supervisor) childChanged(ev exitEvent) {
	switch {
	case ev.pid != s.pid:
	case ev.status.Stopped():
		s.childStopped(ev.status.StopSignal())
	case ev.status.Continued():
		s.stopped = false
	}
}

// signaled handles a signal vsync received: a stop signal stops the child
// (see stop); a SIGCONT while the child is stopped continues it (fg or bg:
// vsync itself was just continued); any other forwarded signal goes to the
// target.
func (s *supervisor) signaled(sig os.Signal) {
	if !isForwarded(sig) {
		return
	}
	switch ss := sig.(syscall.Signal); {
	case isStopSignal(ss):
		s.stop(ss)
	case ss == syscall.SIGCONT && s.stopped:
		s.resume()
	default:
		_ = unix.Kill(s.target(), ss)
	}
}

// stop sends sig to the target and starts the kill timeout, the first
// time; the second time it kills the group at once.
func (s *supervisor) stop(sig syscall.Signal) {
	if s.stopping {
		s.kill()
		return
	}
	s.stopping = true
	_ = unix.Kill(s.target(), sig)
	// A stopped process acts on it only once continued; a running
	// one gets no SIGCONT it did not ask for.
	if s.stopped || isStopped(s.pid) {
		s.resume()
	} else if s.cfg.SignalGroup {
		_ = unix.Kill(-s.pid, syscall.SIGCONT)
	}
	t := time.NewTimer(s.timeout)
	s.killC = t.C
}

// kill sends SIGKILL to the child's process group.
func (s *supervisor) kill() {
	_ = unix.Kill(-s.pid, syscall.SIGKILL)
	s.escalated = true
}

// exitStatus is the shell's view of a wait status.
func exitStatus(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
