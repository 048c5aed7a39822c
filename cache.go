package main

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"vsync/internal/workspace"
	"vsync/s3bundle"
	"vsync/vault"
)

// cacheFormat is the first field of a cache file's record line. Files of
// cacheFormatV1 (before the record was authenticated) are not trusted:
// Load treats them as absent, so the next start that reaches the bucket
// replaces them, and an offline start refuses them as "no cached bundle".
const (
	cacheFormat   = "vsync-cache-v2"
	cacheFormatV1 = "vsync-cache-v1"
)

// cacheMACInfo is the HKDF context of the key of the record's MAC.
const cacheMACInfo = "vsync cache record MAC v2"

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
// passphrase. The record ends with a MAC (HMAC-SHA256 under a key derived
// from the passphrase with HKDF) over the rest of the record and the
// bundle, so that whoever can write the file but has not the passphrase
// can neither re-date a record nor put an older bundle (a rollback to old
// secrets) under a fresh fetch time: Load refuses either as tampered. (The
// MAC makes the passphrase quicker to guess than the bundle's S2K does, but
// only for who can read the 0600 file in a directory of the user's, who
// can read the passphrase too.) Record and bundle sit in one file so that
// one rename replaces both: two vsyncs sharing DIR never pair one's bundle
// with the other's record. The directory must be the user's and writable
// by nobody else (checkCacheDir); it is created 0700, the file is 0600,
// and every write is a temporary file renamed into place.
//
// A bundleCache holds no open file and is safe for concurrent use.
type bundleCache struct {
	dir   string
	vault string // vaultKey of the vault
	env   string
	key   []byte // of the record's MAC
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
	// MAC is the hex HMAC-SHA256 of the record's JSON without it, a
	// newline and the bundle (bundleCache.mac).
	MAC string `json:"mac,omitempty"`
}

// newBundleCache is the cache of the vault named key (vaultKey) in dir,
// its records authenticated under pass (the env's passphrase). Nothing is
// read or written until Save or Load.
func newBundleCache(dir, key, env string, pass []byte) *bundleCache {
	mk, err := hkdf.Key(sha256.New, pass, nil, cacheMACInfo, sha256.Size)
	if err != nil {
		panic(err) // only for a key length HKDF-SHA256 cannot give
	}
	return &bundleCache{dir: dir, vault: key, env: env, key: mk}
}

// mac is the MAC of rec (its MAC field aside) and the bundle raw.
func (c *bundleCache) mac(rec cacheRecord, raw []byte) []byte {
	rec.MAC = ""
	line, _ := json.Marshal(rec) // a struct of strings, numbers and a UTC time
	h := hmac.New(sha256.New, c.key)
	h.Write(line)
	h.Write([]byte{'\n'})
	h.Write(raw)
	return h.Sum(nil)
}

// errUnsafeCacheDir: the --cache directory belongs to someone else or
// others may write to it. Exit 78.
var errUnsafeCacheDir = errors.New("unsafe cache directory")

// checkCacheDir refuses a cache directory (errUnsafeCacheDir) not owned
// by the effective user, or that its group or others may write to: they
// could replace the cache file. A directory that does not exist yet is
// fine (Save creates it 0700).
func checkCacheDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cache directory: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return nil // not a cache: Save fails (a warning), Load finds nothing
	case ok && int(st.Uid) != os.Geteuid():
		return fmt.Errorf("--cache %q: %w: it belongs to uid %d, not to you (uid %d)", dir, errUnsafeCacheDir, st.Uid, os.Geteuid())
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("--cache %q: %w: writable by group or others (mode %04o)", dir, errUnsafeCacheDir, fi.Mode().Perm())
	}
	return nil
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
	r := cacheRecord{
		Format:     cacheFormat,
		Vault:      c.vault,
		Env:        c.env,
		Generation: info.Generation,
		ETag:       info.ETag,
		Size:       int64(len(raw)),
		FetchedAt:  now.UTC(),
	}
	r.MAC = hex.EncodeToString(c.mac(r, raw))
	rec, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("cache record: %w", err)
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("cache directory: %w", err)
	}
	if err := checkCacheDir(c.dir); err != nil {
		return err
	}
	data := make([]byte, 0, len(rec)+1+len(raw))
	data = append(append(append(data, rec...), '\n'), raw...)
	if err := workspace.WriteFileAtomic(c.Path(), data, 0o600); err != nil {
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

// errOldCache: the cache file was written by a vsync that did not
// authenticate its record (cacheFormatV1). It is errNoCache.
var errOldCache = fmt.Errorf("%s: %w", oldCacheWhy, errNoCache)

const oldCacheWhy = "the cache file there predates authenticated records"

// errCacheMAC: the record or the bundle of the cache file is not what
// vsync wrote under this passphrase: re-dated, replayed, or written under
// another passphrase (offlineCache.start tells that case apart). It is
// vault.ErrIntegrity.
var errCacheMAC = fmt.Errorf("the record does not match its MAC (re-dated or replayed): %w", vault.ErrIntegrity)

// Load reads the cache file: its record and the bundle, still encrypted
// and not yet verified (checkBundle does that, as for a fetched one). A
// missing file, or one of the old unauthenticated format, is errNoCache; a
// directory that fails checkCacheDir is errUnsafeCacheDir; a file whose
// record is malformed, names another vault or env, or whose bundle is not
// the recorded size, is refused as a tampered bundle (vault.ErrIntegrity or
// vault.ErrManifest). A record and bundle that fail their MAC are
// errCacheMAC, returned with the bundle and record so that the caller can
// tell another passphrase from tampering.
func (c *bundleCache) Load() ([]byte, cacheRecord, error) {
	if err := checkCacheDir(c.dir); err != nil {
		return nil, cacheRecord{}, err
	}
	data, err := os.ReadFile(c.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, cacheRecord{}, errNoCache
	}
	if err != nil {
		return nil, cacheRecord{}, fmt.Errorf("cache file %q: %w", c.Path(), err)
	}
	line, raw, ok := bytes.Cut(data, []byte{'\n'})
	var rec cacheRecord
	if ok && json.Unmarshal(line, &rec) == nil && rec.Format == cacheFormatV1 {
		return nil, cacheRecord{}, errOldCache
	}
	if !ok || json.Unmarshal(line, &rec) != nil || rec.Format != cacheFormat || rec.Generation == 0 || rec.FetchedAt.IsZero() {
		return nil, cacheRecord{}, fmt.Errorf("cache file %q: malformed record: %w", c.Path(), vault.ErrIntegrity)
	}
	switch {
	case rec.Vault != c.vault || rec.Env != c.env:
		return nil, cacheRecord{}, fmt.Errorf("cache file %q holds env %q of %s, not this vault: %w", c.Path(), rec.Env, rec.Vault, vault.ErrManifest)
	case rec.Size != int64(len(raw)):
		return nil, cacheRecord{}, fmt.Errorf("cache file %q holds %d bundle bytes, its record says %d: %w", c.Path(), len(raw), rec.Size, vault.ErrIntegrity)
	}
	got, err := hex.DecodeString(rec.MAC)
	if err != nil || !hmac.Equal(got, c.mac(rec, raw)) {
		return raw, rec, fmt.Errorf("cache file %q: %w", c.Path(), errCacheMAC)
	}
	rec.MAC = ""
	return raw, rec, nil
}
