package runtimevault

import (
	"errors"
	"io"

	"vsync/launcher"
	"vsync/vault"
)

// earlyDir is the private directory Prepare makes during the fetch, so
// that the files of a big bundle are written as they are decrypted
// (vault.StreamFiles) instead of after: the writes overlap the download.
// It is made when the first of them arrives, once before
// (Options.BeforeWrite) returned: nothing private is on disk while the
// GET is waited for, and vsync run has every signal subscribed by then.
// They are written into anonymous files (launcher.CreateUnnamed) and get
// their names only in take, once the bundle was returned checked (the
// MDC matched): until then the directory holds no plaintext under any
// name, even if vsync is killed (SPEC: nothing is written before the
// integrity check). Where there are no anonymous files every file is left
// to take's caller, as without. On any failure Prepare removes the
// directory, and the child never sees it before.
type earlyDir struct {
	getenv  func(string) string
	before  func()               // Options.beforeWrite
	dir     *launcher.PrivateDir // nil until Create made it, or when it could not
	failed  bool                 // the directory could not be made
	pending map[string]*launcher.UnnamedFile
	noAnon  bool // no anonymous files, as where there are none (tests)
}

// stream returns what writes env's files into the directory, made at the
// first of them (all but the env's dotenv, which goes into the
// environment), or nil when e is nil. When the directory cannot be made
// nothing is streamed: Prepare makes it after the fetch, as without, and
// reports the error then. Create runs on one goroutine, before the fetch
// returns (vault.StreamFiles), so e is the caller's again then.
func (e *earlyDir) stream(env string) *vault.StreamFiles {
	if e == nil || e.dir != nil {
		return nil
	}
	e.pending = map[string]*launcher.UnnamedFile{}
	return &vault.StreamFiles{Create: func(path string, size int64) (io.WriteCloser, error) {
		if path == vault.DotenvPath(env) || e.noAnon {
			return nil, nil
		}
		if _, dup := e.pending[path]; dup {
			return nil, errors.New("a file made twice")
		}
		if !e.make() {
			return nil, nil // written by take's caller
		}
		f, err := e.dir.CreateUnnamed(path)
		if errors.Is(err, launcher.ErrNoUnnamed) {
			return nil, nil // written by take's caller
		}
		if err != nil {
			return nil, err
		}
		e.pending[path] = f
		return keepOpen{f}, nil
	}}
}

// make makes the directory unless it was made or could not be, and
// reports whether it is there.
func (e *earlyDir) make() bool {
	if e.dir != nil || e.failed {
		return e.dir != nil
	}
	if e.before != nil {
		e.before()
	}
	d, err := newPrivateDir(e.getenv)
	if err != nil {
		e.failed = true
		return false
	}
	e.dir = d
	return true
}

// keepOpen is what Create returns: Close leaves the anonymous file open
// for take to link.
type keepOpen struct{ io.Writer }

func (keepOpen) Close() error { return nil }

// take returns the directory for lv's files and the files still to write
// into it: the early directory with the streamed files linked to their
// names when those Create made are exactly the checked ones it streamed,
// nil (make one) otherwise; a directory that holds anything else is
// removed. A file that cannot be linked (its name taken) is an error.
func (e *earlyDir) take(lv *Loaded) (*launcher.PrivateDir, []vault.File, error) {
	if e == nil || e.dir == nil {
		return nil, lv.Files, nil
	}
	var rest, streamed []vault.File
	for _, f := range lv.Files {
		if lv.streamed[f.Path] && e.pending[f.Path] != nil {
			streamed = append(streamed, f)
		} else {
			rest = append(rest, f)
		}
	}
	if len(streamed) != len(e.pending) {
		e.remove() // a file made but not checked, or one too many
		return nil, lv.Files, nil
	}
	for _, f := range streamed {
		if err := e.pending[f.Path].Link(); err != nil {
			e.remove()
			return nil, nil, err
		}
	}
	d := e.dir
	e.dir, e.pending = nil, nil
	return d, rest, nil
}

// remove drops the anonymous files and removes the early directory if it
// was not taken.
func (e *earlyDir) remove() {
	if e == nil {
		return
	}
	for _, f := range e.pending {
		f.Discard()
	}
	e.pending = nil
	if e.dir != nil {
		_ = e.dir.Remove()
		e.dir = nil
	}
}
