package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"vsync/internal/bundlecache"
	"vsync/internal/history"
	"vsync/s3bundle"
	"vsync/vault"
)

// offlineCache is --cache DIR with --cache-max-age for one vault read from
// its bucket: the bundle of every successful fetch is kept, and a fetch
// the bucket does not answer falls back to it while it is young enough.
type offlineCache struct {
	*bundlecache.Cache
	maxAge time.Duration
	stderr io.Writer // the start from the cache, or a failed save, is said here
	// confirmedAt is when this vsync last wrote the cache file's fetch
	// time (keep or confirm); only one goroutine at a time keeps or
	// confirms (the start, then the poller).
	confirmedAt time.Time
}

// cacheFor is the offline cache of the vault named key (workspace.VaultLocation), whose
// passphrase is pass, when the options ask for one (--cache), else nil.
func cacheFor(o runtimeOptions, key, env string, pass []byte, stderr io.Writer) *offlineCache {
	if o.Cache == "" {
		return nil
	}
	return &offlineCache{Cache: bundlecache.New(o.Cache, key, env, pass), maxAge: o.CacheMaxAge, stderr: stderr}
}

// checkCacheFlags refuses a --cache-max-age that is not positive, or one
// given without --cache (runtimeOptionsFrom sets it to -1 then).
func checkCacheFlags(o runtimeOptions) error {
	if o.Cache == "" && o.CacheMaxAge < 0 {
		return usageErrorf("--cache-max-age needs --cache DIR")
	}
	if o.Cache != "" && o.CacheMaxAge <= 0 {
		return usageErrorf("--cache-max-age %s: want a positive duration such as 24h", o.CacheMaxAge)
	}
	return nil
}

// bucketDidNotAnswer reports whether err, from fetching current.pgp, means
// that the bucket did not answer: unreachable after retries (connection
// refused, no answer, 5xx) or --fetch-timeout. Only then does a runtime
// start from the cache. An answer that refuses (403, a missing bucket, an
// env with nothing pushed) and a bundle that does not open (wrong
// passphrase, tampered) are errors of their own, cache or not.
func bucketDidNotAnswer(err error) bool {
	return errors.Is(err, s3bundle.ErrUnreachable) || errors.Is(err, context.DeadlineExceeded)
}

// fetchCurrent is history.Fetch of current.pgp that also returns the
// object's info and, when keep is true, its bytes exactly as fetched (the
// ones that were decrypted and verified), for the cache. A body that stops
// arriving (the connection breaks, --fetch-timeout passes) is
// s3bundle.ErrUnreachable with its cause, not a truncated bundle: it says
// nothing about what is stored.
func fetchCurrent(ctx context.Context, st *s3bundle.Store, pass []byte, keep bool) (*vault.Bundle, []byte, s3bundle.ObjectInfo, error) {
	rc, info, err := history.OpenObject(ctx, st, 0)
	if err != nil {
		return nil, nil, info, err
	}
	r, stop := history.ReadAhead(rc, info.Size)
	defer stop()
	defer rc.Close()
	b, raw, err := readCurrent(r, info, st, pass, keep)
	return b, raw, info, err
}

// readCurrent decrypts and checks current.pgp as it streams from rc (info
// describes it), and with keep also returns its bytes, in one buffer of the
// announced size. A read that breaks off (the connection fails, a timeout
// passes) is s3bundle.ErrUnreachable with its cause, not a truncated
// bundle; a body over st.MaxSize is refused as too large.
func readCurrent(rc io.Reader, info s3bundle.ObjectInfo, st *s3bundle.Store, pass []byte, keep bool) (*vault.Bundle, []byte, error) {
	body := &bodyReader{r: rc}
	var r io.Reader = body
	var raw *bytes.Buffer
	if keep {
		raw = bytes.NewBuffer(make([]byte, 0, max(info.Size, 0)+bytes.MinRead))
		r = io.TeeReader(body, raw)
	}
	b, _, err := history.Check(r, info, st, pass, nil, 0, history.Name(0), true)
	if err != nil {
		if body.err != nil && !isTooLarge(body.err) {
			return nil, nil, fmt.Errorf("reading %s of env %q: %w (%w)", history.Name(0), st.Env, s3bundle.ErrUnreachable, body.err)
		}
		if body.err != nil {
			err = &history.EnvError{Env: st.Env, Err: fmt.Errorf("%s of env %q: %w", history.Name(0), st.Env, body.err)}
		}
		return nil, nil, err
	}
	if raw == nil {
		return b, nil, nil
	}
	return b, raw.Bytes(), nil
}

// bodyReader remembers the first error of reading r other than io.EOF.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// keep saves a bundle just fetched and verified. A cache that cannot be
// written is a warning, not a reason not to start.
func (oc *offlineCache) keep(raw []byte, info s3bundle.ObjectInfo, gen uint64) {
	info.Generation = gen
	if err := oc.Save(raw, info, time.Now()); err != nil {
		fmt.Fprintf(oc.stderr, "vsync: warning: --cache: %v\n", err)
		return
	}
	oc.confirmedAt = time.Now()
}

// confirm is keep for a poll of --watch that found current.pgp unchanged
// (ETag etag): at most once per maxAge/24 (an hour for the default day) it
// moves the cached bundle's fetch time to now (bundlecache.Cache.Confirm), so
// that an offline restart during an outage is judged by the last time the
// bucket vouched for the bundle. Between those writes a poll costs the
// cache nothing.
func (oc *offlineCache) confirm(etag string) {
	now := time.Now()
	if now.Sub(oc.confirmedAt) < oc.maxAge/24 {
		return
	}
	oc.confirmedAt = now
	if err := oc.Cache.Confirm(etag, now); err != nil {
		fmt.Fprintf(oc.stderr, "vsync: warning: --cache: %v\n", err)
	}
}

// start is the fallback when the bucket did not answer (cause): the
// cached bundle, decrypted and verified as a fetched one is, when it was
// fetched at most maxAge before now. It says so on stderr. Otherwise the
// error is cause's (exit 69) with why the cache could not serve, or that
// of a cache that does not open (68 tampered, 67 wrong passphrase).
func (oc *offlineCache) start(st *s3bundle.Store, pass []byte, cause error, now time.Time) (*loadedVault, error) {
	raw, rec, err := oc.Load()
	if errors.Is(err, bundlecache.ErrNoCache) {
		why := ""
		if errors.Is(err, bundlecache.ErrOldCache) {
			why = " (" + bundlecache.OldCacheWhy + ")"
		}
		return nil, withCode(fmt.Errorf("%w; no cached bundle of env %q in %q to start from%s", cause, st.Env, oc.Dir(), why), exitUnreachable,
			"the cache is written by a start that reaches the bucket; check the endpoint and the network")
	}
	if errors.Is(err, bundlecache.ErrMAC) {
		// A bundle that does not open says why (another passphrase:
		// 67, a damaged bundle: 68); one that opens was re-dated or
		// replayed (68).
		info := s3bundle.ObjectInfo{Key: st.CurrentKey(), ETag: rec.ETag, Size: rec.Size, Generation: rec.Generation}
		if _, _, oerr := history.Check(bytes.NewReader(raw), info, st, pass, nil, 0, fmt.Sprintf("cached current.pgp %q", oc.Path()), true); oerr != nil {
			err = oerr
		}
		return nil, withHint(err, oc.hint(err))
	}
	if errors.Is(err, vault.ErrIntegrity) || errors.Is(err, vault.ErrManifest) {
		return nil, withHint(err, oc.hint(err))
	}
	if err != nil {
		return nil, withCode(fmt.Errorf("%w; and the cache: %w", cause, err), exitUnreachable, "")
	}
	const refresh = "start once with the bucket reachable to refresh the cache, or allow an older one with --cache-max-age"
	age, err := bundlecache.CheckAge(rec, oc.maxAge, now)
	if err != nil {
		return nil, withCode(fmt.Errorf("%w; %w", cause, err), exitUnreachable, refresh)
	}
	info := s3bundle.ObjectInfo{Key: st.CurrentKey(), ETag: rec.ETag, Size: rec.Size, Generation: rec.Generation}
	b, _, err := history.Check(bytes.NewReader(raw), info, st, pass, nil, 0, fmt.Sprintf("cached current.pgp %q", oc.Path()), true)
	if err != nil {
		return nil, withHint(err, oc.hint(err))
	}
	fmt.Fprintf(oc.stderr, "vsync: bucket unreachable (%v); starting from cached generation %d fetched %s ago\n",
		cause, b.Manifest.Generation, bundlecache.RoundAge(age))
	return splitBundle(st.Env, b.Manifest.Generation, b.Files)
}

// hint is the hint under a cache file that does not open.
func (oc *offlineCache) hint(err error) string {
	if errors.Is(err, vault.ErrWrongPassphrase) {
		return "check VSYNC_PASSPHRASE / VSYNC_PASSPHRASE_FILE; a cache written before a passphrase rotation opens only with the old one"
	}
	return fmt.Sprintf("nothing was started; the cache file is damaged or was tampered with: remove %q, the next start that reaches the bucket writes it again", oc.Path())
}
