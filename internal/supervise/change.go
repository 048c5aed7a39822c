package supervise

import (
	"bytes"

	"vsync/internal/childenv"
	"vsync/internal/runtimevault"
	"vsync/launcher"
	"vsync/vault"
)

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

// sameVars reports whether a and b (sorted by key, as Composer.Compose returns
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
