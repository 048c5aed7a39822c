package runtimevault

import (
	"io"

	"vsync/launcher"
	"vsync/vault"
)

// earlyDir is the private directory Prepare makes before the fetch, so
// that the files of a big bundle are written into it as they are
// decrypted (vault.StreamFiles) instead of after: the writes overlap the
// download. Nothing in it is used unless the bundle is returned checked;
// on any failure Prepare removes it, and the child never sees it before.
type earlyDir struct {
	getenv  func(string) string
	dir     *launcher.PrivateDir // nil until stream made it, or when it could not
	created int                  // files Create made in it
}

// stream makes the directory and returns what writes env's files into
// it (all but the env's dotenv, which goes into the environment), or nil
// when e is nil or the directory cannot be made (then Prepare makes it
// after the fetch, as without, and reports the error then).
func (e *earlyDir) stream(env string) *vault.StreamFiles {
	if e == nil || e.dir != nil {
		return nil
	}
	base := launcher.PrivateBase(e.getenv)
	_, _ = launcher.CleanStale(base)
	d, err := launcher.NewPrivateDir(base)
	if err != nil {
		return nil
	}
	e.dir = d
	return &vault.StreamFiles{Create: func(path string, size int64) (io.WriteCloser, error) {
		if path == vault.DotenvPath(env) {
			return nil, nil
		}
		e.created++
		f, err := d.Create(path)
		if err != nil {
			return nil, err
		}
		return f, nil
	}}
}

// take returns the directory for lv's files and the files still to write
// into it: the early directory without the files already streamed into
// it when they are exactly those Create made, nil (make one) otherwise.
// A directory that holds anything else is removed.
func (e *earlyDir) take(lv *Loaded) (*launcher.PrivateDir, []vault.File) {
	if e == nil || e.dir == nil {
		return nil, lv.Files
	}
	d := e.dir
	e.dir = nil
	var rest []vault.File
	for _, f := range lv.Files {
		if !lv.streamed[f.Path] {
			rest = append(rest, f)
		}
	}
	if e.created != len(lv.Files)-len(rest) {
		_ = d.Remove() // a file made but not checked, or one too many
		return nil, lv.Files
	}
	return d, rest
}

// remove removes the early directory if it was not taken.
func (e *earlyDir) remove() {
	if e != nil && e.dir != nil {
		_ = e.dir.Remove()
		e.dir = nil
	}
}
