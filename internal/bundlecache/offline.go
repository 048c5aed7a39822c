package bundlecache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"vsync/internal/history"
	"vsync/s3bundle"
	"vsync/vault"
)

// Offline is the cache of one vault read from its bucket, with the max
// age of a start from it (--cache DIR with --cache-max-age): the bundle
// of every successful fetch is kept (Keep), a poll of --watch that finds
// it unchanged keeps it again (KeepUnchanged: its fetch time moves), and a
// fetch the bucket does not answer falls back to it while it is young
// enough (Start).
//
// Only one goroutine at a time may keep (the start, then the poller of
// --watch); a copy of an Offline is another such user.
type Offline struct {
	*Cache
	MaxAge time.Duration
	// Messages is where the start from the cache, and a bundle that could
	// not be kept (a warning, never a reason not to start), are said, one
	// "vsync: ..." line each.
	Messages io.Writer
	// fetchTimeWrittenAt is when this Offline last wrote the cache
	// file's fetch time (Keep or KeepUnchanged).
	fetchTimeWrittenAt time.Time
}

// BucketDidNotAnswer reports whether err, from fetching current.pgp,
// means that the bucket did not answer: unreachable after retries
// (connection refused, no answer, 5xx) or the fetch's deadline. Only then
// does a runtime start from the cache. An answer that refuses (403, a
// missing bucket, an env with nothing pushed) and a bundle that does not
// open (wrong passphrase, tampered) are errors of their own, cache or not.
func BucketDidNotAnswer(err error) bool {
	return errors.Is(err, s3bundle.ErrUnreachable) || errors.Is(err, context.DeadlineExceeded)
}

// Keep saves a bundle just fetched and verified (raw, as fetched; info
// what the GET returned; gen its verified generation). A cache that
// cannot be written is a warning on Messages.
func (o *Offline) Keep(raw []byte, info s3bundle.ObjectInfo, gen uint64) {
	info.Generation = gen
	if err := o.Save(raw, info, time.Now()); err != nil {
		o.warn(err)
		return
	}
	o.fetchTimeWrittenAt = time.Now()
}

// KeepUnchanged is Keep for a poll of --watch that found current.pgp unchanged
// (ETag etag): at most once per MaxAge/24 (an hour for the default day) it
// moves the cached bundle's fetch time to now (Cache.RefreshFetchTime), so that an
// offline restart during an outage is judged by the last time the bucket
// vouched for the bundle. Between those writes a poll costs the cache
// nothing.
func (o *Offline) KeepUnchanged(etag string) {
	now := time.Now()
	if now.Sub(o.fetchTimeWrittenAt) < o.MaxAge/24 {
		return
	}
	o.fetchTimeWrittenAt = now
	if err := o.Cache.RefreshFetchTime(etag, now); err != nil {
		o.warn(err)
	}
}

// warn says that the cache could not be written.
func (o *Offline) warn(err error) {
	fmt.Fprintf(o.Messages, "vsync: warning: --cache: %v\n", err)
}

// Start is the fallback when the bucket of st did not answer (cause): the
// cached bundle, decrypted under pass and verified as a fetched one is,
// when it was fetched at most MaxAge before now. It says so on Messages.
// Otherwise the error is an *OfflineError (cause, and why the cache could
// not serve: ErrNoCache, *AgeError, a read failure), or a
// *CachedBundleError for a cache that does not open (wrong passphrase,
// tampered).
func (o *Offline) Start(st *s3bundle.Store, pass []byte, cause error, now time.Time) (*vault.Bundle, error) {
	raw, rec, err := o.Load()
	if errors.Is(err, ErrNoCache) {
		why := ""
		if errors.Is(err, ErrOldCache) {
			why = " (" + oldCacheWhy + ")"
		}
		return nil, &OfflineError{Cause: cause, Err: err,
			msg: fmt.Sprintf("%v; no cached bundle of env %q in %q to start from%s", cause, st.Env, o.Dir(), why)}
	}
	if errors.Is(err, ErrMAC) {
		// A bundle that does not open says why (another passphrase, a
		// damaged bundle); one that opens was re-dated or replayed.
		if _, oerr := o.check(st, pass, raw, rec); oerr != nil {
			err = oerr
		}
		return nil, &CachedBundleError{Path: o.Path(), Err: err}
	}
	if errors.Is(err, vault.ErrIntegrity) || errors.Is(err, vault.ErrManifest) {
		return nil, &CachedBundleError{Path: o.Path(), Err: err}
	}
	if err != nil {
		return nil, &OfflineError{Cause: cause, Err: err, msg: fmt.Sprintf("%v; and the cache: %v", cause, err)}
	}
	age, err := CheckAge(rec, o.MaxAge, now)
	if err != nil {
		return nil, &OfflineError{Cause: cause, Err: err, msg: fmt.Sprintf("%v; %v", cause, err)}
	}
	b, err := o.check(st, pass, raw, rec)
	if err != nil {
		return nil, &CachedBundleError{Path: o.Path(), Err: err}
	}
	fmt.Fprintf(o.Messages, "vsync: bucket unreachable (%v); starting from cached generation %d fetched %s ago\n",
		cause, b.Manifest.Generation, RoundAge(age))
	return b, nil
}

// check decrypts and verifies the cached bundle raw of record rec as
// history.Check does a fetched current.pgp of st.
func (o *Offline) check(st *s3bundle.Store, pass, raw []byte, rec Record) (*vault.Bundle, error) {
	info := s3bundle.ObjectInfo{Key: st.CurrentKey(), ETag: rec.ETag, Size: rec.Size, Generation: rec.Generation}
	b, _, err := history.Check(bytes.NewReader(raw), info, st, pass, nil, 0, fmt.Sprintf("cached current.pgp %q", o.Path()), true)
	return b, err
}
