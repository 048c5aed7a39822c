package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"vsync/internal/memlimit"
	"vsync/s3bundle"
	"vsync/vault"
)

// statusRotated is the status of an app whose bucket holds a newer
// generation that its passphrase does not open: a passphrase rotation (or
// a push under another passphrase). The app keeps running with the
// generation it has, and a restart could not help (it would exit 67 until
// the new passphrase is deployed), so `vsync status` exits 0: a rotation
// never turns a healthy fleet into a crash loop.
const statusRotated = "rotated"

// passProbe tells, for a running vsync, whether current.pgp opens with the
// passphrase it runs with. It reads current.pgp at most once per ETag, and
// only when asked (when the bucket's generation is newer than the running
// one), so a health check costs one HEAD as long as nothing changed.
type passProbe struct {
	st   *s3bundle.Store
	pass []byte

	mu    sync.Mutex
	etag  string // of the object last read
	other bool   // it did not open with pass: vault.ErrWrongPassphrase
}

// sealedWithAnother reports whether current.pgp (whose HEAD gave info)
// does not open with p's passphrase. An object that cannot be read, or
// fails for another reason (tampering, a syntax error), is not: its
// status stays stale.
func (p *passProbe) sealedWithAnother(ctx context.Context, info s3bundle.ObjectInfo) bool {
	if p == nil || p.pass == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if info.ETag != "" && info.ETag == p.etag {
		return p.other
	}
	rc, got, err := p.st.Backend.Get(ctx, p.st.CurrentKey())
	if err != nil {
		return false
	}
	defer rc.Close()
	memlimit.Bound(2 * min(got.Size, p.st.MaxSize))
	_, _, err = vault.Open(rc, p.pass, vault.ReadOptions{Size: got.Size, MaxSize: p.st.MaxSize})
	if ctx.Err() != nil || errors.Is(err, s3bundle.ErrUnreachable) {
		return false
	}
	p.etag, p.other = got.ETag, errors.Is(err, vault.ErrWrongPassphrase)
	return p.other && (info.ETag == "" || got.ETag == info.ETag)
}

// compareRunning is compareRemote for a running vsync that holds the
// passphrase: a newer generation its passphrase does not open is rotated,
// not stale.
func compareRunning(ctx context.Context, st *s3bundle.Store, gen uint64, probe *passProbe) statusReport {
	r, info := compareHead(ctx, st, gen)
	if r.Status == "stale" && probe.sealedWithAnother(ctx, info) {
		r.Status = statusRotated
		r.Reason = fmt.Sprintf("generation %d is sealed with another passphrase: deploy it to run that generation", r.RemoteGeneration)
	}
	return r
}
