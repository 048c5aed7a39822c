package supervise

import (
	"context"
	"os"
	"syscall"

	"vsync/internal/childenv"
	"vsync/internal/runtimevault"
	"vsync/internal/status"
	"vsync/launcher"
)

// Incarnation runs what vsync supervises (the child of `vsync run`, the
// processes of `vsync start`) once, with the environment vars, forwarding
// the signals on sigs, until it exits. Cancelling ctx stops it as a stop
// signal does (the kill signal, the kill timeout, then SIGKILL); it
// returns once everything it started is gone.
type Incarnation func(ctx context.Context, vars []childenv.Var, sigs <-chan os.Signal) (int, error)

// watchLoop applies the generations a poller accepts to what runs: it
// replaces files in place and sends the reload signal, or restarts.
type watchLoop struct {
	p      *runtimevault.Prepared // its Vault is the generation applied, its private files on disk
	reload syscall.Signal
	say    func(format string, a ...any)
	// signalExit: see Options.SignalExit.
	signalExit bool
	// running is the environment the running incarnation was started
	// with; set it with setRunning.
	running []childenv.Var
	// state is what the status socket reports: the generation applied,
	// the newest refused (by the loop or the poller), running's sources.
	state
}

// newWatchLoop starts from what runtimevault.Prepare made.
func newWatchLoop(p *runtimevault.Prepared, reload syscall.Signal, say func(string, ...any)) *watchLoop {
	w := &watchLoop{p: p, reload: reload, say: say}
	w.setRunning(p.Vars)
	w.applied.Store(p.Vault.Generation)
	return w
}

// setRunning records the environment of the incarnation about to run.
func (w *watchLoop) setRunning(vars []childenv.Var) {
	w.running = vars
	w.state.setRunning(vars)
}

// runResult is what an incarnation returned.
type runResult struct {
	code int
	err  error
	// stopped: a stop signal arrived while it ran (set by supervise).
	stopped bool
}

// run runs start, again after each restart, until an incarnation exits by
// itself or is stopped by a signal, and returns its exit code. sigs are
// vsync's signals; found carries the generations the poller accepted.
func (w *watchLoop) run(ctx context.Context, start Incarnation, sigs <-chan os.Signal, found <-chan *runtimevault.Loaded) (int, error) {
	// back is the generation that ran before the last restart: the one
	// to go back to if the restarted incarnation cannot start.
	var back *runtimevault.Loaded
	for {
		runCtx, stop := context.WithCancel(ctx)
		runSigs := make(chan os.Signal, 16)
		done := make(chan runResult, 1)
		vars := w.running
		go func() {
			code, err := start(runCtx, vars, runSigs)
			done <- runResult{code: code, err: err}
		}()
		next, res := w.supervise(stop, sigs, runSigs, found, done)
		stop()
		if next == nil && res.err != nil && !res.stopped && back != nil && w.goBack(back, res.err) {
			back = nil
			continue
		}
		if next == nil {
			return res.code, res.err
		}
		back = w.p.Vault
		// The old incarnation is gone: switch to the new files, start
		// again. Nothing here can fail: the files were written before the
		// old incarnation was stopped.
		if next.fresh != nil {
			w.switchTo(next.fresh)
		}
		w.accept(next)
		w.setRunning(next.vars)
		w.say("vsync: generation %d: restarted (%s)", next.lv.Generation, w.restartReason(next))
	}
}

// goBack restarts with generation prev, the one that ran before the last
// restart, when the incarnation that restart started could not start
// (err: the command not found on the new PATH, an environment too large
// for execve): the current generation is refused as one that cannot be
// applied (stderr, vsync status) and the files of prev are written again
// into a fresh private directory. It reports whether it did; when even
// that fails, vsync exits with err as a run would.
func (w *watchLoop) goBack(prev *runtimevault.Loaded, err error) bool {
	cur := w.p.Vault
	fresh, ferr := w.p.FreshLayout(prev)
	if ferr != nil {
		w.say("vsync: generation %d: cannot go back to generation %d: %s", cur.Generation, prev.Generation, refusalReason(ferr))
		return false
	}
	vars, cerr := w.p.ComposeIn(prev, fresh)
	if cerr != nil {
		_ = fresh.Remove()
		w.say("vsync: generation %d: cannot go back to generation %d: %s", cur.Generation, prev.Generation, refusalReason(cerr))
		return false
	}
	w.switchTo(fresh)
	why := "cannot start: " + refusalReason(err)
	w.refused.set(cur.Generation, why)
	w.p.Vault = prev
	w.setRunning(vars)
	w.applied.Store(prev.Generation)
	w.say("vsync: generation %d: refused: %s; back to generation %d", cur.Generation, why, prev.Generation)
	return true
}

// supervise waits for the incarnation to end, forwarding signals and
// applying what can be applied while it runs. It returns the change to
// restart with, or nil and the incarnation's result when vsync is done.
func (w *watchLoop) supervise(stop context.CancelFunc, sigs <-chan os.Signal, runSigs chan os.Signal,
	found <-chan *runtimevault.Loaded, done <-chan runResult) (*change, runResult) {
	var pending *change         // a restart under way
	stopping := false           // a stop signal arrived: no restart
	var withheld syscall.Signal // a stop signal not passed on (a restart was stopping)
	for {
		select {
		case s := <-sigs:
			if launcher.IsStopSignal(s) {
				first := !stopping
				stopping = true
				if first && pending != nil {
					// The restart has stopped the incarnation already:
					// passed on, this signal would count as a second
					// stop and kill it at once. A second one still does.
					withheld, _ = s.(syscall.Signal)
					continue
				}
			}
			forward(runSigs, s)
		case lv := <-found:
			if stopping {
				continue
			}
			if pending != nil {
				pending = w.supersede(pending, lv)
				continue
			}
			pending = w.apply(lv, runSigs, stop)
		case r := <-done:
			if withheld != 0 && w.signalExit && r.err == nil && r.code == 0 {
				r.code = 128 + int(withheld) // the incarnation never saw the signal
			}
			if stopping && pending != nil {
				pending.discard()
				pending = nil
			}
			if pending != nil {
				// A generation accepted while the old one stopped
				// makes the pending one stale.
				select {
				case lv := <-found:
					pending = w.supersede(pending, lv)
				default:
				}
			}
			r.stopped = stopping
			return pending, r
		}
	}
}

// apply applies lv while the incarnation runs: its files replaced in
// place and the reload signal sent on runSigs, or nothing to do. A
// generation that needs a restart is returned, the incarnation stopped
// (stop); one that cannot be applied is refused. Otherwise it returns nil.
func (w *watchLoop) apply(lv *runtimevault.Loaded, runSigs chan os.Signal, stop context.CancelFunc) *change {
	c, err := w.prepare(lv)
	if err != nil {
		w.refuse(lv, err)
		return nil
	}
	if c.update != nil {
		if err := c.update.Commit(); err != nil {
			// Some files may be new, some old: a restart into a fresh
			// layout puts the child on one generation.
			if c, err = w.restartFresh(c, err); err != nil {
				w.refuse(lv, err)
				return nil
			}
		}
	}
	switch {
	case c.fresh != nil || c.varsChanged:
		stop()
		return c
	case c.update != nil:
		w.accept(c)
		forward(runSigs, w.reload)
		w.say("vsync: generation %d: files replaced, sent %s", lv.Generation, signalLabel(w.reload))
	default:
		w.accept(c)
		w.say("vsync: generation %d: nothing to reload (no variable or file changed)", lv.Generation)
	}
	return nil
}

// switchTo makes fresh the private directory, once no incarnation runs:
// the status socket moves into it (it keeps listening) and the old
// directory is removed. Failures are warnings: the next incarnation's
// files are in place whatever happens to the old ones.
func (w *watchLoop) switchTo(fresh *launcher.PrivateDir) {
	old := w.p.Private
	if w.p.Status != nil {
		if err := old.MoveTo(status.SocketName, fresh); err != nil {
			w.say("vsync: warning: status socket: %v", err)
		}
	}
	w.p.Private = fresh
	if err := old.Remove(); err != nil {
		w.say("vsync: warning: removing old private files: %v", err)
	}
}
