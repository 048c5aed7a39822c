//go:build unix

package launcher

import (
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// reap waits for children and reports each on s.events, closing it when
// there is nothing left to wait for: when reaping all, at ECHILD; otherwise
// once the child itself has been reaped.
//
// Stops and continues are reported too (WUNTRACED, WCONTINUED), for job
// control; exitEvent.exited tells them apart.
func (s *supervisor) reap() {
	const jobs = unix.WUNTRACED | unix.WCONTINUED
	switch {
	case s.reapAll && s.cfg.LastRun && s.watchdog != nil:
		reapUntilQuit(jobs, s.events, &s.quit, s.watchdog.pid)
	case s.reapAll:
		reapEvents(-1, 0, jobs, s.events)
	default:
		reapEvents(s.pid, s.pid, jobs, s.events)
	}
}

// reapChildren waits for target (a pid, or -1 for any child of the
// process) and reports each child that exited or died on events. It closes
// events when wait4 fails (ECHILD: nothing left to wait for) or once the
// child last (when not 0) has been reported.
func reapChildren(target, last int, events chan<- exitEvent) {
	reapEvents(target, last, 0, events)
}

// reapEvents is reapChildren with extra wait4 options: with WUNTRACED
// and WCONTINUED it also reports the children that stop or continue.
func reapEvents(target, last, options int, events chan<- exitEvent) {
	defer close(events)
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(target, &ws, options, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return // ECHILD: no children left
		}
		ev := exitEvent{pid: pid, status: ws}
		if !ev.exited() && !ws.Stopped() && !ws.Continued() {
			continue
		}
		events <- ev
		if last != 0 && pid == last && ev.exited() {
			return
		}
	}
}

// exited reports whether the event is a child's end, not a stop or a
// continue.
func (ev exitEvent) exited() bool { return ev.status.Exited() || ev.status.Signaled() }

// reapUntilQuit is reapEvents(-1, 0, options, events) for a Run that may
// return while the released watchdog still runs (Config.LastRun): it looks
// at each waitable child without reaping it (waitid with WNOWAIT) and
// reaps only that pid, so that once quit is set it reaps nothing but the
// watchdog's exit and reports nothing. A later Run in the process
// (a test binary) thus never has a child's status taken by this reaper,
// which returns at the first child that becomes waitable after quit.
func reapUntilQuit(options int, events chan<- exitEvent, quit *atomic.Bool, watchdog int) {
	defer close(events)
	for {
		pid, exited, err := peekChild(options)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return // ECHILD: no children left
		}
		if quit.Load() {
			if pid == watchdog && exited {
				_, _ = unix.Wait4(pid, nil, unix.WNOHANG, nil)
			}
			return
		}
		var ws unix.WaitStatus
		got, err := unix.Wait4(pid, &ws, options|unix.WNOHANG, nil)
		if err != nil || got != pid {
			continue // reaped behind our back, or the event is gone
		}
		ev := exitEvent{pid: pid, status: ws}
		if ev.exited() || ws.Stopped() || ws.Continued() {
			events <- ev
		}
	}
}
