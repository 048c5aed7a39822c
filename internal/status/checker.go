package status

import (
	"context"
	"errors"
	"sync"

	"vsync/internal/memlimit"
	"vsync/s3bundle"
	"vsync/vault"
)

// Checker compares the generation of a running vsync with current.pgp
// (Check), and tells whether current.pgp opens with the passphrase it runs
// with. It reads current.pgp at most once per ETag, and only when asked
// (when the bucket's generation is newer than the running one), so a
// health check costs one HEAD as long as nothing changed. It is safe for
// concurrent use.
type Checker struct {
	st   *s3bundle.Store
	pass []byte

	mu    sync.Mutex
	etag  string // of the object last read
	other bool   // it did not open with pass: vault.ErrWrongPassphrase
}

// NewChecker is a Checker of st's current.pgp for a vsync that runs with
// passphrase pass. With a nil pass, Check is compare.
func NewChecker(st *s3bundle.Store, pass []byte) *Checker {
	return &Checker{st: st, pass: pass}
}

// sealedWithAnother reports whether current.pgp (whose HEAD gave info)
// does not open with c's passphrase. An object that cannot be read, or
// fails for another reason (tampering, a syntax error), is not: its
// status stays stale.
func (c *Checker) sealedWithAnother(ctx context.Context, info s3bundle.ObjectInfo) bool {
	if c.pass == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if info.ETag != "" && info.ETag == c.etag {
		return c.other
	}
	rc, got, err := c.st.Backend.Get(ctx, c.st.CurrentKey())
	if err != nil {
		return false
	}
	defer rc.Close()
	memlimit.Bound(2 * min(got.Size, c.st.MaxSize))
	_, _, err = vault.Open(rc, c.pass, vault.ReadOptions{Size: got.Size, MaxSize: c.st.MaxSize})
	if ctx.Err() != nil || errors.Is(err, s3bundle.ErrUnreachable) {
		return false
	}
	c.etag, c.other = got.ETag, errors.Is(err, vault.ErrWrongPassphrase)
	return c.other && (info.ETag == "" || got.ETag == info.ETag)
}
