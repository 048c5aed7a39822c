package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"vsync/launcher"
	"vsync/vault"
)

// incarnation runs what vsync supervises (the child of `vsync run`, the
// processes of `vsync start`) once, with the environment vars, forwarding the signals on
// sigs, until it exits. Cancelling ctx stops it as a stop signal does (the
// kill signal, the kill timeout, then SIGKILL); it returns once everything
// it started is gone.
type incarnation func(ctx context.Context, vars []envVar, sigs <-chan os.Signal) (int, error)

// watchLoop applies the generations a poller accepts to what runs: it
// replaces files in place and sends the reload signal, or restarts.
type watchLoop struct {
	p      *prepared // its Vault is the generation applied, its private files on disk
	reload syscall.Signal
	say    func(format string, a ...any)
	// signalExit: see watchOptions.SignalExit.
	signalExit bool
	// running is the environment the running incarnation was started with.
	running []envVar
	// applied is the generation whose files are on disk and whose
	// variables the running incarnation has (VSYNC_GENERATION aside):
	// what the status socket reports.
	applied atomic.Uint64
	// refused is the newest generation refused, by the loop or the poller.
	refused refusal
}

// newWatchLoop starts from what prepareChild made.
func newWatchLoop(p *prepared, reload syscall.Signal, say func(string, ...any)) *watchLoop {
	w := &watchLoop{p: p, reload: reload, say: say, running: p.Vars}
	w.applied.Store(p.Vault.Generation)
	return w
}

// change is a new generation ready to apply: its environment composed and
// its files staged beside the current ones.
type change struct {
	lv           *loadedVault
	vars         []envVar
	varsChanged  bool
	filesChanged bool
	update       *launcher.Update // nil when no file changed
}

// runResult is what an incarnation returned.
type runResult struct {
	code int
	err  error
}

// run runs start, again after each restart, until an incarnation exits by
// itself or is stopped by a signal, and returns its exit code. sigs are
// vsync's signals; found carries the generations the poller accepted.
func (w *watchLoop) run(ctx context.Context, start incarnation, sigs <-chan os.Signal, found <-chan *loadedVault) (int, error) {
	for {
		runCtx, stop := context.WithCancel(ctx)
		runSigs := make(chan os.Signal, 16)
		done := make(chan runResult, 1)
		vars := w.running
		go func() {
			code, err := start(runCtx, vars, runSigs)
			done <- runResult{code, err}
		}()
		next, res := w.supervise(stop, sigs, runSigs, found, done)
		stop()
		if next == nil {
			return res.code, res.err
		}
		// The old incarnation is gone: put the new files in place, start
		// again.
		if next.update != nil {
			if err := next.update.Commit(); err != nil {
				return 1, fmt.Errorf("generation %d: %w", next.lv.Generation, err)
			}
		}
		w.accept(next)
		w.running = next.vars
		w.say("vsync: generation %d: restarted (%s)", next.lv.Generation, w.restartReason(next))
	}
}

// supervise waits for the incarnation to end, forwarding signals and
// applying what can be applied while it runs. It returns the change to
// restart with, or nil and the incarnation's result when vsync is done.
func (w *watchLoop) supervise(stop context.CancelFunc, sigs <-chan os.Signal, runSigs chan os.Signal,
	found <-chan *loadedVault, done <-chan runResult) (*change, runResult) {
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
			switch {
			case c.varsChanged || (c.filesChanged && w.reload == 0):
				pending = c
				stop()
			case c.filesChanged:
				if err := c.update.Commit(); err != nil {
					w.refuse(lv, err)
					continue
				}
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
			return pending, r
		}
	}
}

// supersede replaces the pending restart with lv when lv can be applied:
// the pending generation, not started yet, is already stale.
func (w *watchLoop) supersede(pending *change, lv *loadedVault) *change {
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
func (w *watchLoop) refuse(lv *loadedVault, err error) {
	why := refusalReason(err)
	w.refused.set(lv.Generation, why)
	w.say("vsync: generation %d: refused: %s; keeping generation %d", lv.Generation, why, w.applied.Load())
}

// prepare composes the environment of lv and stages its changed files.
// An error (a dotenv syntax error, a --file-env source gone, a file that
// cannot be written) refuses the generation and changes nothing.
func (w *watchLoop) prepare(lv *loadedVault) (*change, error) {
	vars, err := w.p.compose(lv)
	if err != nil {
		return nil, err
	}
	c := &change{lv: lv, vars: vars, varsChanged: !sameVars(w.running, vars)}
	write, remove := fileChanges(w.p.Vault.Files, lv.Files)
	if len(write)+len(remove) > 0 {
		c.filesChanged = true
		if c.update, err = w.p.private.Stage(write, remove); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// restartReason says why c restarts.
func (w *watchLoop) restartReason(c *change) string {
	switch {
	case c.varsChanged:
		return "variables changed"
	case c.filesChanged && w.reload == 0:
		return "files changed, no --reload-signal"
	case c.filesChanged:
		return "files changed"
	}
	return "a restart was under way"
}

// discard drops the staged files of a change that will not be applied.
func (c *change) discard() {
	if c.update != nil {
		c.update.Discard()
	}
}

// accept records c as applied.
func (w *watchLoop) accept(c *change) {
	w.p.Vault = c.lv
	w.applied.Store(c.lv.Generation)
}

// sameVars reports whether a and b (sorted by key, as composeEnv returns
// them) hold the same variables, VSYNC_GENERATION aside.
func sameVars(a, b []envVar) bool {
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

func withoutGeneration(vars []envVar) []envVar {
	out := make([]envVar, 0, len(vars))
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
