package history

import (
	"context"
	"errors"
	"fmt"
	"io"

	"vsync/internal/memlimit"
	"vsync/s3bundle"
	"vsync/vault"
)

// Env is the history of one env: its Store and the passphrase that opens
// it.
type Env struct {
	Store      *s3bundle.Store
	Passphrase []byte // nil when not asked for
	// Location names the env's vault in messages ("s3://bucket/prefix/env").
	Location string
	// Keys caches the S2K of the passphrase packets Fetch opens: a
	// history sealed with one salt costs one key derivation.
	Keys vault.KeyCache
	// LogCache, when not nil, keeps Log's entries between runs.
	LogCache LogCache
}

// Fetch reads, decrypts and checks generation gen (0: current.pgp). The
// bundle is returned only when its integrity, its manifest, its env and
// its generation number all check out. It returns the payload's SHA-256.
func (e *Env) Fetch(ctx context.Context, gen uint64) (*vault.Bundle, string, error) {
	return Fetch(ctx, e.Store, e.Passphrase, &e.Keys, gen)
}

// Fetch is Env.Fetch for any Store, with keys (may be nil) caching the
// S2K.
func Fetch(ctx context.Context, st *s3bundle.Store, pass []byte, keys *vault.KeyCache, gen uint64) (*vault.Bundle, string, error) {
	return fetchTo(ctx, st, pass, keys, gen, nil)
}

// fetchTo is Fetch with stream (may be nil) writing a big bundle's files
// out as they are decrypted (vault.ReadOptions.Stream).
func fetchTo(ctx context.Context, st *s3bundle.Store, pass []byte, keys *vault.KeyCache, gen uint64, stream *vault.StreamFiles) (*vault.Bundle, string, error) {
	rc, info, err := OpenObject(ctx, st, gen)
	if err != nil {
		return nil, "", err
	}
	r, stop := ReadAhead(rc, info.Size)
	defer stop()
	defer rc.Close()
	return check(r, info, st, pass, keys, gen, Name(gen), false, stream)
}

// Name is "current.pgp" (gen 0) or "generation N", for messages.
func Name(gen uint64) string {
	if gen == 0 {
		return "current.pgp"
	}
	return fmt.Sprintf("generation %d", gen)
}

// OpenObject opens generation gen (0: current.pgp) of st for reading. A
// missing one is *NothingPushedError (gen 0) or *NoGenerationError, both
// matching s3bundle.ErrNotExist.
func OpenObject(ctx context.Context, st *s3bundle.Store, gen uint64) (io.ReadCloser, s3bundle.ObjectInfo, error) {
	rc, info, err := st.Open(ctx, gen)
	if err != nil {
		if errors.Is(err, s3bundle.ErrNotExist) {
			if gen == 0 {
				return nil, info, &NothingPushedError{Env: st.Env, Location: st.Backend.String(), Err: err}
			}
			return nil, info, &NoGenerationError{Env: st.Env, Gen: gen, Err: err}
		}
		return nil, info, &EnvError{Env: st.Env, Err: fmt.Errorf("reading %s of env %q: %w", Name(gen), st.Env, err)}
	}
	return rc, info, nil
}

// Check decrypts and checks the bundle read from r (to EOF), which info
// describes and what names in messages: generation gen of st (0:
// current.pgp). The bundle is returned only when its integrity, its
// manifest, its env and its generation number (against gen and against
// info.Generation, the object's label, when not 0) all check out. It
// returns the payload's SHA-256, or "" when noSum is true (which saves a
// pass over the payload; the files' digests are checked either way). keys,
// when not nil, caches the S2K. Its errors are *EnvError.
func Check(r io.Reader, info s3bundle.ObjectInfo, st *s3bundle.Store, pass []byte, keys *vault.KeyCache, gen uint64, what string, noSum bool) (*vault.Bundle, string, error) {
	return check(r, info, st, pass, keys, gen, what, noSum, nil)
}

// check is Check, with stream (may be nil) writing the files out as they
// are decrypted (vault.ReadOptions.Stream).
func check(r io.Reader, info s3bundle.ObjectInfo, st *s3bundle.Store, pass []byte, keys *vault.KeyCache, gen uint64, what string, noSum bool, stream *vault.StreamFiles) (*vault.Bundle, string, error) {
	// The payload, and for pull the folder's files beside it.
	memlimit.Bound(2 * min(info.Size, st.MaxSize))
	b, sum, err := vault.Open(r, pass, vault.ReadOptions{Size: info.Size, MaxSize: st.MaxSize, NoSum: noSum, Keys: keys, Stream: stream})
	if err != nil {
		return nil, "", &EnvError{Env: st.Env, Err: fmt.Errorf("%s of env %q: %w", what, st.Env, err)}
	}
	m := b.Manifest
	switch {
	case m.Env != st.Env:
		err = fmt.Errorf("%s of env %q holds env %q: %w", what, st.Env, m.Env, vault.ErrManifest)
	case gen != 0 && m.Generation != gen:
		err = fmt.Errorf("generation %d of env %q holds generation %d: %w", gen, st.Env, m.Generation, vault.ErrManifest)
	case info.Generation != 0 && info.Generation != m.Generation:
		err = fmt.Errorf("%s of env %q is labelled generation %d but holds %d: %w", what, st.Env, info.Generation, m.Generation, vault.ErrManifest)
	}
	if err != nil {
		return nil, "", &EnvError{Env: st.Env, Err: err}
	}
	return b, sum, nil
}

// Generations lists the generations of the env, oldest first. An env
// with none is *NothingPushedError.
func (e *Env) Generations(ctx context.Context) ([]uint64, error) {
	gens, err := e.Store.Generations(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the generations of %s: %w", e.Location, err)
	}
	if len(gens) == 0 {
		return nil, e.nothingPushed()
	}
	return gens, nil
}

// nothingPushed is the error of an env with no generation yet.
func (e *Env) nothingPushed() error {
	return &NothingPushedError{Env: e.Store.Env, Location: e.Location}
}
