package main

import (
	"bytes"
	"context"
	"os"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"vsync/internal/childenv"
	"vsync/internal/runtimevault"
	"vsync/internal/status"
	"vsync/launcher"
	"vsync/vault"
)

// incarnation runs what vsync supervises (the child of `vsync run`, the
// processes of `vsync start`) once, with the environment vars, forwarding the signals on
// sigs, until it exits. Cancelling ctx stops it as a stop signal does (the
// kill signal, the kill timeout, then SIGKILL); it returns once everything
// it started is gone.
type incarnation func(ctx context.Context, vars []childenv.Var, sigs <-chan os.Signal) (int, error)

// watchLoop applies the generations a poller accepts to what runs: it
// replaces files in place and sends the reload signal, or restarts.
type watchLoop struct {
	p      *runtimevault.Prepared // its Vault is the generation applied, its private files on disk
	reload syscall.Signal
	say    func(format string, a ...any)
	// signalExit: see watchOptions.SignalExit.
	signalExit bool
	// running is the environment the running incarnation was started
	// with; set it with setRunning.
	running []childenv.Var
	// sources are running's status.SourcesOf, for the status socket.
	sources atomic.Pointer[[]status.Source]
	// applied is the generation whose files are on disk and whose
	// variables the running incarnation has (VSYNC_GENERATION aside):
	// what the status socket reports.
	applied atomic.Uint64
	// refused is the newest generation refused, by the loop or the poller.
	refused refusal
}

// newWatchLoop starts from what prepareChild made.
func newWatchLoop(p *runtimevault.Prepared, reload syscall.Signal, say func(string, ...any)) *watchLoop {
	w := &watchLoop{p: p, reload: reload, say: say}
	w.setRunning(p.Vars)
	w.applied.Store(p.Vault.Generation)
	return w
}

// setRunning records the environment of the incarnation about to run.
func (w *watchLoop) setRunning(vars []childenv.Var) {
	w.running = vars
	src := status.SourcesOf(vars)
	w.sources.Store(&src)
}

// change is a new generation ready to apply: its environment composed and
// its files written where the next incarnation will read them, either
// staged beside the current ones for an in-place replacement (update) or,
// for a restart, as a whole fresh private directory (fresh). Either way
// they are written while the old incarnation runs, so that a generation
// whose files cannot be written is refused with the old incarnation still
// running on the old files.
type change struct {
	lv           *runtimevault.Loaded
	vars         []childenv.Var
	varsChanged  bool
	filesChanged bool
	update       *launcher.Update     // in-place replacement; nil otherwise
	fresh        *launcher.PrivateDir // restart into these files; nil otherwise
	// inPlaceErr says why the files could not be replaced in place (a
	// restart instead), nil when they were not meant to be.
	inPlaceErr error
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
func (w *watchLoop) run(ctx context.Context, start incarnation, sigs <-chan os.Signal, found <-chan *runtimevault.Loaded) (int, error) {
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
			c, err := w.prepare(lv)
			if err != nil {
				w.refuse(lv, err)
				continue
			}
			if c.update != nil {
				if err := c.update.Commit(); err != nil {
					// Some files may be new, some old: a restart into
					// a fresh layout puts the child on one generation.
					if c, err = w.restartFresh(c, err); err != nil {
						w.refuse(lv, err)
						continue
					}
				}
			}
			switch {
			case c.fresh != nil || c.varsChanged:
				pending = c
				stop()
			case c.update != nil:
				w.accept(c)
				forward(runSigs, w.reload)
				w.say("vsync: generation %d: files replaced, sent %s", lv.Generation, signalLabel(w.reload))
			default:
				w.accept(c)
				w.say("vsync: generation %d: nothing to reload (no variable or file changed)", lv.Generation)
			}
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

// supersede replaces the pending restart with lv when lv can be applied:
// the pending generation, not started yet, is already stale.
func (w *watchLoop) supersede(pending *change, lv *runtimevault.Loaded) *change {
	c, err := w.prepare(lv)
	if err != nil {
		w.refuse(lv, err)
		return pending
	}
	w.say("vsync: generation %d: skipped (generation %d is newer)", pending.lv.Generation, c.lv.Generation)
	pending.discard()
	return c
}

// refuse says that lv will not be applied, and why.
func (w *watchLoop) refuse(lv *runtimevault.Loaded, err error) {
	why := refusalReason(err)
	w.refused.set(lv.Generation, why)
	w.say("vsync: generation %d: refused: %s; keeping generation %d", lv.Generation, why, w.applied.Load())
}

// prepare composes the environment of lv and writes its changed files:
// staged in place when only file contents changed and there is a reload
// signal, else (a restart) as a fresh private directory holding every file
// of lv. Staging in place that cannot be done (a file where a directory
// must go) falls back to the fresh layout. An error (a dotenv syntax
// error, a --file-env source gone, files that cannot be written) refuses
// the generation and changes nothing.
func (w *watchLoop) prepare(lv *runtimevault.Loaded) (*change, error) {
	vars, err := w.p.Compose(lv)
	if err != nil {
		return nil, err
	}
	c := &change{lv: lv, vars: vars, varsChanged: !sameVars(w.running, vars)}
	write, remove := fileChanges(w.p.Vault.Files, lv.Files)
	c.filesChanged = len(write)+len(remove) > 0
	if !c.filesChanged {
		return c, nil
	}
	if !c.varsChanged && w.reload != 0 {
		if c.update, err = w.p.Private.Stage(write, remove); err == nil {
			return c, nil
		}
	}
	return w.restartFresh(c, err)
}

// restartFresh turns c into a restart into a fresh private directory
// holding every file of c.lv, inPlace (nil when none was tried) being why
// its files were not replaced in place. The environment is composed again
// with the new paths.
func (w *watchLoop) restartFresh(c *change, inPlace error) (*change, error) {
	fresh, err := w.p.FreshLayout(c.lv)
	if err != nil {
		return nil, err
	}
	vars, err := w.p.ComposeIn(c.lv, fresh)
	if err != nil {
		_ = fresh.Remove()
		return nil, err
	}
	return &change{lv: c.lv, vars: vars, varsChanged: c.varsChanged, filesChanged: true, fresh: fresh, inPlaceErr: inPlace}, nil
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

// restartReason says why c restarts.
func (w *watchLoop) restartReason(c *change) string {
	switch {
	case c.varsChanged:
		return "variables changed"
	case c.filesChanged && w.reload == 0:
		return "files changed, no --reload-signal"
	case c.inPlaceErr != nil:
		return "files changed, not replaceable in place: " + refusalReason(c.inPlaceErr)
	case c.filesChanged:
		return "files changed"
	}
	return "a restart was under way"
}

// discard drops the files written for a change that will not be applied.
func (c *change) discard() {
	if c.update != nil {
		c.update.Discard()
	}
	if c.fresh != nil {
		_ = c.fresh.Remove()
	}
}

// accept records c as applied.
func (w *watchLoop) accept(c *change) {
	w.p.Vault = c.lv
	w.applied.Store(c.lv.Generation)
}

// sameVars reports whether a and b (sorted by key, as composeEnv returns
// them) hold the same variables, VSYNC_GENERATION aside.
func sameVars(a, b []childenv.Var) bool {
	a, b = withoutGeneration(a), withoutGeneration(b)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}

func withoutGeneration(vars []childenv.Var) []childenv.Var {
	out := make([]childenv.Var, 0, len(vars))
	for _, v := range vars {
		if v.Key != "VSYNC_GENERATION" {
			out = append(out, v)
		}
	}
	return out
}

// fileChanges lists the files of next that are new or differ from old
// (path to content), and the paths of old that next no longer has.
func fileChanges(old, next []vault.File) (write map[string][]byte, remove []string) {
	before := make(map[string][]byte, len(old))
	for _, f := range old {
		before[f.Path] = f.Data
	}
	write = map[string][]byte{}
	for _, f := range next {
		if data, ok := before[f.Path]; !ok || !bytes.Equal(data, f.Data) {
			write[f.Path] = f.Data
		}
		delete(before, f.Path)
	}
	for p := range before {
		remove = append(remove, p)
	}
	return write, remove
}

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
