package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"vsync/s3bundle"
	"vsync/vault"
)

// cacheFormat is the first field of a cache file's record line.
const cacheFormat = "vsync-cache-v1"

// defaultCacheMaxAge is --cache-max-age's default: a day rides out an
// outage of the bucket or of the network of a few hours, overnight
// included, while a deployment that has not reached its bucket for longer
// stops starting on secrets that may have been rotated since.
const defaultCacheMaxAge = 24 * time.Hour

// bundleCache is the --cache directory as one vault sees it: the file
// DIR/ENV-HASH.vcache, HASH naming the vault's location (vaultKey: bucket
// or directory, endpoint, prefix, env), so that two envs or two buckets
// never share a file.
//
// The file is one line of JSON (cacheRecord), then the bundle of
// current.pgp exactly as fetched: still encrypted under the env's
// passphrase, so the cache needs no key of its own. Record and bundle sit
// in one file so that one rename replaces both: two vsyncs sharing DIR
// never pair one's bundle with the other's record. The file is 0600, the
// directory created 0700, and every write is a temporary file renamed into
// place.
//
// A bundleCache holds no open file and is safe for concurrent use.
type bundleCache struct {
	dir   string
	vault string // vaultKey of the vault
	env   string
}

// cacheRecord is a cache file's first line.
type cacheRecord struct {
	Format     string    `json:"format"` // cacheFormat
	Vault      string    `json:"vault"`  // vaultKey, checked on load
	Env        string    `json:"env"`
	Generation uint64    `json:"generation"` // the verified manifest's
	ETag       string    `json:"etag"`       // current.pgp's when fetched
	Size       int64     `json:"size"`       // of the bundle that follows
	FetchedAt  time.Time `json:"fetched_at"` // when it was fetched and verified
}

// newBundleCache is the cache of the vault named key (vaultKey) in dir.
// Nothing is read or written until Save or Load.
func newBundleCache(dir, key, env string) *bundleCache {
	return &bundleCache{dir: dir, vault: key, env: env}
}

// Path is the cache file of the vault.
func (c *bundleCache) Path() string {
	sum := sha256.Sum256([]byte(c.vault))
	return filepath.Join(c.dir, c.env+"-"+hex.EncodeToString(sum[:12])+".vcache")
}

// Save replaces the cached bundle with raw, fetched now. The caller must
// already have decrypted and verified raw (vault.Open and the checks of
// checkBundle), since an offline start trusts nothing but what the cache
// holds; info is what the GET returned, with Generation set to the
// verified manifest's. The watch loop of `vsync run --watch` calls it when
// it accepts a new generation. It creates the directory (0700) when
// missing, and leaves the previous file whole when it fails.
func (c *bundleCache) Save(raw []byte, info s3bundle.ObjectInfo) error {
	return c.save(raw, info, time.Now())
}

func (c *bundleCache) save(raw []byte, info s3bundle.ObjectInfo, now time.Time) error {
	rec, err := json.Marshal(cacheRecord{
		Format:     cacheFormat,
		Vault:      c.vault,
		Env:        c.env,
		Generation: info.Generation,
		ETag:       info.ETag,
		Size:       int64(len(raw)),
		FetchedAt:  now.UTC(),
	})
	if err != nil {
		return fmt.Errorf("cache record: %w", err)
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("cache directory: %w", err)
	}
	data := make([]byte, 0, len(rec)+1+len(raw))
	data = append(append(append(data, rec...), '\n'), raw...)
	if err := writeFileAtomic(c.Path(), data, 0o600); err != nil {
		return fmt.Errorf("cache file %q: %w", c.Path(), err)
	}
	return nil
}

// Confirm records that the bucket still holds the cached bundle (a poll of
// current.pgp with If-None-Match etag was answered 304 Not Modified): the
// record's fetch time moves to now, bundle and ETag unchanged, so that
// --cache-max-age counts from the last time the bucket vouched for the
// bundle, not from the last time it changed. A cache file holding another
// ETag (another vsync may have cached a newer generation) or none is left
// alone.
func (c *bundleCache) Confirm(etag string) error {
	return c.confirm(etag, time.Now())
}

func (c *bundleCache) confirm(etag string, now time.Time) error {
	raw, rec, err := c.Load()
	if errors.Is(err, errNoCache) || (err == nil && (etag == "" || rec.ETag != etag)) {
		return nil
	}
	if err != nil {
		return err
	}
	return c.save(raw, s3bundle.ObjectInfo{ETag: rec.ETag, Generation: rec.Generation}, now)
}

// errNoCache: the vault has no cache file in the directory yet. It matches
// fs.ErrNotExist.
var errNoCache = fmt.Errorf("no cached bundle: %w", fs.ErrNotExist)

// Load reads the cache file: its record and the bundle, still encrypted
// and not yet verified (checkBundle does that, as for a fetched one). A
// missing file is errNoCache; a file whose record is malformed, names
// another vault or env, or whose bundle is not the recorded size, is
// refused as a tampered bundle (vault.ErrIntegrity or vault.ErrManifest).
func (c *bundleCache) Load() ([]byte, cacheRecord, error) {
	data, err := os.ReadFile(c.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, cacheRecord{}, errNoCache
	}
	if err != nil {
		return nil, cacheRecord{}, fmt.Errorf("cache file %q: %w", c.Path(), err)
	}
	line, raw, ok := bytes.Cut(data, []byte{'\n'})
	var rec cacheRecord
	if !ok || json.Unmarshal(line, &rec) != nil || rec.Format != cacheFormat || rec.Generation == 0 || rec.FetchedAt.IsZero() {
		return nil, cacheRecord{}, fmt.Errorf("cache file %q: malformed record: %w", c.Path(), vault.ErrIntegrity)
	}
	switch {
	case rec.Vault != c.vault || rec.Env != c.env:
		return nil, cacheRecord{}, fmt.Errorf("cache file %q holds env %q of %s, not this vault: %w", c.Path(), rec.Env, rec.Vault, vault.ErrManifest)
	case rec.Size != int64(len(raw)):
		return nil, cacheRecord{}, fmt.Errorf("cache file %q holds %d bundle bytes, its record says %d: %w", c.Path(), len(raw), rec.Size, vault.ErrIntegrity)
	}
	return raw, rec, nil
}
