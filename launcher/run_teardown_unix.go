//go:build unix

package launcher

import (
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// teardown stops what is left of the child's process group (and, when
// reaping all, every remaining child of the process): KillSignal, then
// SIGKILL after KillTimeout or at a stop signal (at once when supervise
// escalated). It returns when they are gone; when not reaping all, at most
// KillTimeout after SIGKILL (what is left then are zombies of a parent
// outside the group).
func (s *supervisor) teardown() {
	t := &sweep{s: s, sig: s.killSig, sent: map[int]syscall.Signal{}}
	if s.escalated {
		t.sig = syscall.SIGKILL
	}

	// Drain the child's own exit notification channel when not reaping
	// all: it is closed right after the child.
	if !s.reapAll {
		s.events = nil
	}
	t.send()
	if t.finished() {
		return
	}
	timer := time.NewTimer(s.timeout)
	defer timer.Stop()
	var giveUp <-chan time.Time // a group of zombies whose parent never reaps them
	tick := time.NewTicker(rescanInterval)
	defer tick.Stop()
	sigs := s.cfg.Signals
	for !t.finished() {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.events = nil
				continue
			}
			if ev.exited() {
				delete(t.sent, ev.pid)
				t.send()
			}
		case <-tick.C:
			t.send()
		case <-timer.C:
			t.sig = syscall.SIGKILL
			t.send()
			if !s.reapAll {
				giveUp = time.After(s.timeout)
			}
		case <-giveUp:
			return
		case x, ok := <-sigs:
			if !ok {
				sigs = nil
				continue
			}
			if isStopSignal(x) {
				t.sig = syscall.SIGKILL
				t.send()
			}
		}
	}
}

// sweep is the state of one teardown: the signal it sends now, and what
// the group and each other child of the process have had.
type sweep struct {
	s         *supervisor
	sig       syscall.Signal
	groupSent syscall.Signal
	groupGone bool
	sent      map[int]syscall.Signal // to each child outside the group (reaping all)
	// lone: send's last look at the children of the process (reaping
	// all) found none but the watchdog. None can appear since: only a
	// child of the process could start one, or leave its own to it.
	lone bool
}

// send sends sig, once each, to the child's process group unless it is
// gone and, when reaping all, to every other child of the process but the
// watchdog; SIGCONT follows anything but SIGKILL.
func (t *sweep) send() {
	s := t.s
	if !t.groupGone && t.groupSent != t.sig {
		t.groupSent = t.sig
		if unix.Kill(-s.pid, t.sig) == unix.ESRCH {
			t.groupGone = true
		} else if t.sig != syscall.SIGKILL {
			// Members may be stopped (SIGTTIN once the terminal
			// is back with vsync): let them see the signal.
			_ = unix.Kill(-s.pid, syscall.SIGCONT)
		}
	}
	if !s.reapAll {
		return
	}
	t.lone = true
	for _, c := range childrenOf(os.Getpid()) {
		if s.watchdog.is(c) {
			continue
		}
		t.lone = false
		if t.sent[c] == t.sig {
			continue
		}
		t.sent[c] = t.sig
		_ = unix.Kill(c, t.sig)
		if t.sig != syscall.SIGKILL {
			_ = unix.Kill(c, syscall.SIGCONT)
		}
	}
}

// finished reports whether the teardown is over: when reaping all, once
// the reaper ran out of children (the watchdog released first), or with
// Config.LastRun once the watchdog is released (the reaper is told to
// quit); otherwise once the child's process group is empty.
func (t *sweep) finished() bool {
	s := t.s
	if s.reapAll {
		if t.lone {
			s.watchdog.release() // send just looked: no need to look again
		} else {
			s.releaseWatchdog()
		}
		if s.cfg.LastRun && s.watchdog != nil && s.watchdog.w == nil {
			s.quit.Store(true)
			return true
		}
		return s.events == nil
	}
	if !t.groupGone && unix.Kill(-s.pid, 0) == unix.ESRCH {
		t.groupGone = true
	}
	return t.groupGone
}
