//go:build unix

package launcher

import (
	"context"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// groupStop is the state of a group's supervision: what started the stop,
// the signal its process groups have had, the exit code so far.
type groupStop struct {
	g        *group
	stopping bool
	sig      syscall.Signal // the signal of the stop: SIGTERM, then SIGKILL
	failCode int            // of the first process that failed before the stop
	sigCode  int            // 128+N for the stop signal N that stopped the group
	// cause is the first exit ("web.1 exited with code 3"); the stop line
	// names it once its exit line is out, which causeC says.
	cause  string
	causeC <-chan struct{}
	killC  <-chan time.Time
	tick   *time.Ticker
	// sentOther is the signal sent to each child that left its process
	// group and was re-parented to vsync.
	sentOther map[int]syscall.Signal
}

// supervise waits for the first exit or stop signal, stops every process,
// and returns when the process has no children left. stopNow starts the
// stop at once, with why as its reason (a process could not be started).
// A stop caused by an exit starts once that exit's line is printed, so
// that the stop line, which names it, comes after it.
//
// The stop sends each process group SIGTERM (then SIGCONT, for a stopped
// process to see it) once, and SIGKILL once at the kill timeout or a
// second stop signal: many programs take a second SIGTERM or SIGINT as
// "quit now". Children re-parented to vsync from outside those groups are
// found by a scan of /proc every rescanInterval, and get each signal once
// too. Nothing is sent per exit, and /proc is scanned at one exit only
// (the last process's), so that a stop is linear in the number of
// processes.
func (g *group) supervise(ctx context.Context, stopNow bool, why string) int {
	s := &groupStop{g: g, sig: syscall.SIGTERM, sentOther: map[int]syscall.Signal{}}
	defer func() {
		if s.tick != nil {
			s.tick.Stop()
		}
	}()
	var (
		sigs   = g.cfg.Signals
		done   = ctx.Done()
		closed = g.cfg.Out.Closed()
		tickC  <-chan time.Time
	)
	if stopNow {
		s.stop(why)
	}
	for {
		if s.tick != nil {
			tickC = s.tick.C
		}
		select {
		case ev, ok := <-g.events:
			if !ok {
				if s.failCode != 0 {
					return s.failCode
				}
				return s.sigCode
			}
			s.exited(ev)
		case <-s.causeC:
			s.exitedBefore()
			s.stop(s.cause)
		case sig, ok := <-sigs:
			if !ok {
				sigs = nil
				continue
			}
			s.signaled(sig)
		case <-closed:
			closed = nil
			s.outputClosed()
		case <-done:
			done = nil
			s.stop("")
		case <-s.killC:
			s.killC = nil
			s.stop("") // escalates to SIGKILL
		case <-tickC:
			s.rescan()
		}
	}
}

// exitedBefore records the exits already waiting on the events: they
// happened before the stop that is about to start.
func (s *groupStop) exitedBefore() {
	g := s.g
	for {
		select {
		case ev, ok := <-g.events:
			if !ok {
				g.events = closedEvents()
				return
			}
			s.exited(ev)
		default:
			return
		}
	}
}

// outputClosed stops the group when nobody reads the output (`vsync start
// | head`), as a Ctrl-C would, with exit code 128+SIGPIPE.
func (s *groupStop) outputClosed() {
	if s.stopping {
		return
	}
	if s.failCode == 0 && s.sigCode == 0 {
		s.sigCode = 128 + int(syscall.SIGPIPE)
	}
	s.stop("output closed")
}

// exited records the exit of a child and reports it when it is a process
// of the group; the first one becomes the cause of the stop.
func (s *groupStop) exited(ev exitEvent) {
	g := s.g
	m := g.byPid[ev.pid]
	if m == nil {
		delete(s.sentOther, ev.pid)
		return
	}
	g.exits++
	printed := g.report(m, ev.status)
	if s.stopping {
		if g.exits == len(g.members) {
			s.rescan() // perhaps nothing is left: release the watchdog now
		}
		return
	}
	if s.failCode == 0 {
		s.failCode = exitStatus(ev.status)
	}
	if s.causeC == nil {
		s.cause, s.causeC = m.name+" "+exitText(ev.status), printed
	}
}

// signaled handles a signal vsync received: a stop signal starts the stop
// ("SIGTERM received, starting shutdown", as Foreman says) or, the second
// time, kills; the others are forwarded to each process itself (not its
// group), as Foreman sends them to each pid.
func (s *groupStop) signaled(sig os.Signal) {
	if !isForwarded(sig) || sig == syscall.SIGPIPE {
		// SIGPIPE is vsync's own write to a closed output: Out.Closed
		// tells of it.
		return
	}
	ss := sig.(syscall.Signal)
	g := s.g
	if !isStopSignal(ss) {
		for _, m := range g.members {
			if !m.gone {
				_ = unix.Kill(m.pid, ss)
			}
		}
		return
	}
	if s.stopping {
		g.cfg.Out.System("system", signalName(ss)+" received")
	} else {
		if s.failCode == 0 && s.sigCode == 0 {
			s.sigCode = 128 + int(ss)
		}
		g.cfg.Out.System("system", signalName(ss)+" received, starting shutdown")
	}
	s.stop("")
}

// stop starts the stop, "WHY: sending SIGTERM to all processes", or, when
// it has started, escalates it to SIGKILL.
func (s *groupStop) stop(why string) {
	out := s.g.cfg.Out
	if s.stopping {
		if s.sig != syscall.SIGKILL {
			s.sig = syscall.SIGKILL
			out.System("system", "sending SIGKILL to all processes")
			s.send()
			s.rescan()
		}
		return
	}
	s.stopping, s.causeC = true, nil
	line := "sending SIGTERM to all processes"
	if why != "" {
		line = why + ": " + line
	}
	out.System("system", line)
	s.send()
	s.rescan()
	s.killC = time.After(s.g.timeout)
	s.tick = time.NewTicker(rescanInterval)
}

// send sends the stop's signal to every process group not known to be
// empty; it is called once per signal.
func (s *groupStop) send() {
	for _, m := range s.g.members {
		if m.gone {
			continue
		}
		if unix.Kill(-m.pid, s.sig) == unix.ESRCH {
			m.gone = true
		} else if s.sig != syscall.SIGKILL {
			_ = unix.Kill(-m.pid, syscall.SIGCONT)
		}
	}
}

// rescan lists vsync's children, sends the stop's signal to each that is
// outside the processes' groups (a descendant that left its group and was
// re-parented to vsync) and has not had it, and releases the watchdog
// once nothing else is left.
func (s *groupStop) rescan() {
	g := s.g
	kids := childrenOf(os.Getpid())
	for _, c := range kids {
		if g.byPid[c] != nil || g.watchdog.is(c) || s.sentOther[c] == s.sig {
			continue
		}
		s.sentOther[c] = s.sig
		if pg, err := unix.Getpgid(c); err == nil && g.byPid[pg] != nil {
			continue // in a process group that had the signal
		}
		_ = unix.Kill(c, s.sig)
		if s.sig != syscall.SIGKILL {
			_ = unix.Kill(c, syscall.SIGCONT)
		}
	}
	g.releaseWatchdog(kids)
}

// releaseWatchdog releases the watchdog once every member has exited and
// vsync has no other child (kids) left but the watchdog, so that the
// reaper can run out of children.
func (g *group) releaseWatchdog(kids []int) {
	if g.watchdog == nil || g.exits < len(g.members) {
		return
	}
	for _, c := range kids {
		if !g.watchdog.is(c) {
			return
		}
	}
	g.watchdog.release()
}

// closedEvents returns a closed channel, to stand for an events channel
// whose close was consumed.
func closedEvents() chan exitEvent {
	c := make(chan exitEvent)
	close(c)
	return c
}

// report prints m's exit under its name once what it wrote before it is
// out (see copyOut), and returns a channel closed when it has been.
func (g *group) report(m *member, ws unix.WaitStatus) <-chan struct{} {
	printed := make(chan struct{})
	flushed := m.flushed
	if !m.flushOut() {
		flushed = nil // only the end of file will come
	}
	g.reports.Add(1)
	go func() {
		defer g.reports.Done()
		defer close(printed)
		select {
		case <-m.copied:
		case <-flushed:
		}
		g.cfg.Out.System(m.name, exitText(ws))
	}()
	return printed
}
