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
// (several at once, ahead of the generation being verified, and maybe for
// generations after one that fails): it must be safe for concurrent use
// and change nothing; its error for a generation is returned where that
// generation is reached, as if it were called in order. verified is
// called in order from Verify's goroutine. It returns N. A broken chain
// is ErrChain, a current.pgp that is missing or behind *CurrentError, an
// env with no generation *NothingPushedError.
func (e *Env) Verify(ctx context.Context, check, verified func(gen uint64, b *vault.Bundle) error) (uint64, error) {
	env := e.Store.Env
	gens, size, err := e.verifyList(ctx)
	if err != nil {
		return 0, err
	}
	after := func(g uint64, f *fetched) {
		if g != 0 && f.Err == nil {
			f.Err = check(g, f.Bundle)
		}
	}
	p := prefetchSized(ctx, e, append(slices.Clone(gens), 0), size, after)
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

// verifyList is the generations of e, ascending (one LIST), and the
// size of current.pgp (one HEAD, sent beside the LIST; 0 when it is
// missing: reported once the history checked out), which sets how many
// are fetched at once. The listing's own sizes are not asked for: a
// directory backend reads every object to list it with its ETag.
func (e *Env) verifyList(ctx context.Context) ([]uint64, int64, error) {
	type head struct {
		info s3bundle.ObjectInfo
		err  error
	}
	heads := make(chan head, 1)
	go func() {
		info, err := e.Store.Current(ctx)
		heads <- head{info, err}
	}()
	gens, err := e.Generations(ctx)
	cur := <-heads
	if err != nil {
		return nil, 0, err
	}
	if cur.err != nil && !errors.Is(cur.err, s3bundle.ErrNotExist) {
		return nil, 0, fmt.Errorf("reading %s: %w", e.Location, cur.err)
	}
	return gens, cur.info.Size, nil
}
