package status

import (
	"context"
	"fmt"

	"vsync/s3bundle"
)

// compare HEADs current.pgp in st and compares its generation with gen,
// the one the app runs with: Fresh, Stale, or Unknown when the bucket did
// not answer.
func compare(ctx context.Context, st *s3bundle.Store, gen uint64) Report {
	r, _ := compareHead(ctx, st, gen)
	return r
}

// compareHead is compare, with what the HEAD gave.
func compareHead(ctx context.Context, st *s3bundle.Store, gen uint64) (Report, s3bundle.ObjectInfo) {
	r := Report{Env: st.Env, Generation: gen}
	info, err := st.Current(ctx)
	if err != nil {
		r.Status, r.Reason = Unknown, Reason(err)
		return r, info
	}
	r.RemoteGeneration = info.Generation
	if info.Generation > gen {
		r.Status = Stale
	} else {
		r.Status = Fresh
	}
	return r, info
}

// Check is compare for a running vsync that holds the passphrase: a newer
// generation that c's passphrase does not open is Rotated, not Stale.
func (c *Checker) Check(ctx context.Context, gen uint64) Report {
	r, info := compareHead(ctx, c.st, gen)
	if r.Status == Stale && c.sealedWithAnother(ctx, info) {
		r.Status = Rotated
		r.Reason = fmt.Sprintf("generation %d is sealed with another passphrase: deploy it to run that generation", r.RemoteGeneration)
	}
	return r
}
