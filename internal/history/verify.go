package history

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"vsync/s3bundle"
	"vsync/vault"
)

// Verify decrypts every generation, oldest first, and checks its
// integrity and manifest (Fetch), that the generations are 1..N with no
// gap, that each records its parent and the SHA-256 of its parent's
// payload, and that current.pgp holds the newest generation. Each
// generation goes to check first (the caller's own checks) and, once it
// checked out, to verified. check is called in the goroutines that fetch
// (several at once, ahead of the generation being verified, maybe for
// generations after one that fails, and again for the generations read
// before the LIST answered when it did not list what current.pgp names:
// verifyStart): it must be safe for concurrent use
// and change nothing; its error for a generation is returned where that
// generation is reached, as if it were called in order. verified is
// called in order from Verify's goroutine. It returns N. A broken chain
// is ErrChain, a current.pgp that is missing or behind *CurrentError, an
// env with no generation *NothingPushedError.
func (e *Env) Verify(ctx context.Context, check, verified func(gen uint64, b *vault.Bundle) error) (uint64, error) {
	env := e.Store.Env
	after := func(g uint64, f *fetched) {
		if g != 0 && f.Err == nil {
			f.Err = check(g, f.Bundle)
		}
	}
	gens, p, err := e.verifyStart(ctx, after)
	if err != nil {
		return 0, err
	}
	defer p.Close()
	var prevSum string
	for i, g := range gens {
		if g != uint64(i+1) {
			return 0, fmt.Errorf("env %q: generation %d is missing: %w", env, i+1, ErrChain)
		}
		f := p.Next()
		if f.Err != nil {
			return 0, f.Err // check's error included
		}
		m := f.Bundle.Manifest
		switch {
		case m.Parent != g-1:
			return 0, fmt.Errorf("env %q: generation %d names %d as its parent, not %d: %w", env, g, m.Parent, g-1, ErrChain)
		case m.ParentSHA256 != prevSum:
			return 0, fmt.Errorf("env %q: generation %d does not record the hash of generation %d: %w", env, g, g-1, ErrChain)
		}
		if err := verified(g, f.Bundle); err != nil {
			return 0, err
		}
		prevSum = f.Sum
	}
	last := gens[len(gens)-1]
	f := p.Next()
	if errors.Is(f.Err, s3bundle.ErrNotExist) {
		return 0, &CurrentError{Env: env, Missing: true,
			msg: fmt.Sprintf("env %q: current.pgp is missing but generation %d exists: %v", env, last, ErrChain)}
	}
	if f.Err != nil {
		return 0, f.Err
	}
	if f.Bundle.Manifest.Generation != last || f.Sum != prevSum {
		return 0, &CurrentError{Env: env,
			msg: fmt.Sprintf("env %q: current.pgp holds generation %d, not the newest, %d: %v", env, f.Bundle.Manifest.Generation, last, ErrChain)}
	}
	return last, nil
}

// maxGuessed bounds the history whose fetches verifyStart starts before
// the LIST answered: current.pgp's metadata is not trusted to size an
// allocation. The guess costs a slot and a channel per generation (about
// 230 bytes) and up to manyWidth GETs: a writer that sets the metadata to
// maxGuessed on a short history makes each verify allocate about 1 MB
// and send those GETs for keys that do not exist, then take the LIST's
// path. A longer history lists first, as it did before the guess.
const maxGuessed = 4096

// verifyStart lists the generations of e, ascending (one LIST), and
// starts fetching them and then current.pgp (gen 0), running after on
// each. The LIST is sent beside a HEAD of current.pgp, whose size sets
// how many are fetched at once. When current.pgp names its generation N
// (its metadata), generations 1..N are fetched from the HEAD's answer on,
// while the LIST is still on its way (a LIST of 500 keys takes MinIO
// about 10 ms, and with a chosen passphrase the first fetch runs the S2K
// meanwhile); they are kept only when the LIST gives exactly 1..N, else
// they are let go of and the listed generations fetched instead. Either
// way every listed generation and current.pgp are read and checked, and
// the LIST's gaps and current.pgp's place are checked as before: only
// when the first fetch starts changes. current.pgp missing is reported
// once the history checked out (Verify).
func (e *Env) verifyStart(ctx context.Context, after afterFetch) ([]uint64, *prefetcher, error) {
	type listed struct {
		gens []uint64
		err  error
	}
	lists := make(chan listed, 1)
	go func() {
		gens, err := e.Generations(ctx)
		lists <- listed{gens, err}
	}()
	cur, herr := e.Store.Current(ctx)
	var (
		guess []uint64
		p     *prefetcher
	)
	if n := cur.Generation; herr == nil && n > 0 && n <= maxGuessed {
		guess = make([]uint64, n+1) // 1..n, then current.pgp (0)
		for i := range n {
			guess[i] = i + 1
		}
		p = prefetchSized(ctx, e, guess, cur.Size, after)
	}
	l := <-lists
	err := l.err
	if err == nil && herr != nil && !errors.Is(herr, s3bundle.ErrNotExist) {
		err = fmt.Errorf("reading %s: %w", e.Location, herr)
	}
	if p != nil && (err != nil || !slices.Equal(guess[:len(guess)-1], l.gens)) {
		p.Close()
		p = nil
	}
	if err != nil {
		return nil, nil, err
	}
	if p == nil {
		p = prefetchSized(ctx, e, append(slices.Clone(l.gens), 0), cur.Size, after)
	}
	return l.gens, p, nil
}
