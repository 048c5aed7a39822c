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
	return e.FetchNewestTo(ctx, nil)
}

// FetchNewestTo is FetchNewest with stream (may be nil) writing the files
// of a big current.pgp out as it is decrypted (vault.StreamFiles). When
// the newest generation is another object, stream.Written is emptied:
// none of what it wrote is that generation's.
func (e *Env) FetchNewestTo(ctx context.Context, stream *vault.StreamFiles) (*vault.Bundle, string, error) {
	b, sum, err := fetchTo(ctx, e.Store, e.Passphrase, &e.Keys, 0, stream)
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
	if stream != nil {
		stream.Written = map[string]bool{}
	}
	gen, _, err := e.Store.Tip(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("reading the history of %s: %w", e.Location, err)
	}
	return e.Fetch(ctx, gen)
}
