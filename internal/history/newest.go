package history

import (
	"context"
	"errors"
	"fmt"

	"vsync/s3bundle"
	"vsync/vault"
)

// FetchNewest fetches the newest generation with two requests whatever the
// length of the history, and no LIST: it GETs current.pgp and HEADs the
// generation after the one it holds (Store.NewestFrom). A current.pgp that
// does not decrypt or check out is an error, never bypassed. Only when the
// history holds a newer generation (a push died between its two PUTs, or
// current.pgp is missing while generations exist) does it fall back to
// Store.Tip, which rolls current.pgp forward (the recovery rule of
// Store.Newest), and fetch that generation.
func (e *Env) FetchNewest(ctx context.Context) (*vault.Bundle, string, error) {
	b, sum, err := e.Fetch(ctx, 0)
	missing := errors.Is(err, s3bundle.ErrNotExist) // Fetch keeps the cause
	if err != nil && !missing {
		return nil, "", err // unreadable, undecryptable or damaged: never bypassed
	}
	var have uint64
	if !missing {
		have = b.Manifest.Generation
	}
	newest, err := e.Store.NewestFrom(ctx, have)
	if err != nil {
		return nil, "", fmt.Errorf("reading the history of %s: %w", e.Location, err)
	}
	if !missing && newest == have {
		return b, sum, nil
	}
	if missing && newest == 0 {
		return nil, "", e.nothingPushed()
	}
	gen, _, err := e.Store.Tip(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("reading the history of %s: %w", e.Location, err)
	}
	return e.Fetch(ctx, gen)
}
