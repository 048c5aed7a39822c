package bundlecache

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"vsync/internal/workspace"
	"vsync/s3bundle"
)

// format is the first field of a cache file's record line. Files of
// formatV1 (before the record was authenticated) are not trusted: Load
// treats them as absent (ErrOldCache), so the next start that reaches the
// bucket replaces them, and an offline start refuses them as "no cached
// bundle".
const (
	format   = "vsync-cache-v2"
	formatV1 = "vsync-cache-v1"
)

// macInfo is the HKDF context of the key of the record's MAC.
const macInfo = "vsync cache record MAC v2"

// Cache is the cache directory as one vault sees it: the file
// DIR/ENV-HASH.vcache, HASH naming the vault's location (bucket or
// directory, endpoint, prefix, env), so that two envs or two buckets
// never share a file.
//
// The file is one line of JSON (Record), then the bundle of current.pgp
// exactly as fetched: still encrypted under the env's passphrase. The
// record ends with a MAC (HMAC-SHA256 under a key derived from the
// passphrase with HKDF) over the rest of the record and the bundle, so
// that whoever can write the file but has not the passphrase can neither
// re-date a record nor put an older bundle (a rollback to old secrets)
// under a fresh fetch time: Load refuses either as tampered. (The MAC
// makes the passphrase quicker to guess than the bundle's S2K does, but
// only for who can read the 0600 file in a directory of the user's, who
// can read the passphrase too.) Record and bundle sit in one file so that
// one rename replaces both: two vsyncs sharing DIR never pair one's bundle
// with the other's record. The directory must be the user's and writable
// by nobody else (CheckDir); it is created 0700, the file is 0600, and
// every write is a temporary file renamed into place.
//
// A Cache holds no open file and is safe for concurrent use.
type Cache struct {
	dir      string
	location string // the vault's location
	env      string
	key      []byte // of the record's MAC
}

// Record is a cache file's first line.
type Record struct {
	Format     string    `json:"format"` // format
	Location   string    `json:"vault"`  // the vault's location, checked on load
	Env        string    `json:"env"`
	Generation uint64    `json:"generation"` // the verified manifest's
	ETag       string    `json:"etag"`       // current.pgp's when fetched
	Size       int64     `json:"size"`       // of the bundle that follows
	FetchedAt  time.Time `json:"fetched_at"` // when it was fetched and verified
	// MAC is the hex HMAC-SHA256 of the record's JSON without it, a
	// newline and the bundle (Cache.mac).
	MAC string `json:"mac,omitempty"`
}

// New is the cache in dir of env's vault at location (bucket or
// directory, endpoint, prefix, env), its records authenticated under pass
// (the env's passphrase). Nothing is read or written until Save or Load.
func New(dir, location, env string, pass []byte) *Cache {
	mk, err := hkdf.Key(sha256.New, pass, nil, macInfo, sha256.Size)
	if err != nil {
		panic(err) // only for a key length HKDF-SHA256 cannot give
	}
	return &Cache{dir: dir, location: location, env: env, key: mk}
}

// mac is the MAC of rec (its MAC field aside) and the bundle raw.
func (c *Cache) mac(rec Record, raw []byte) []byte {
	rec.MAC = ""
	line, _ := json.Marshal(rec) // a struct of strings, numbers and a UTC time
	h := hmac.New(sha256.New, c.key)
	h.Write(line)
	h.Write([]byte{'\n'})
	h.Write(raw)
	return h.Sum(nil)
}

// Dir is the cache directory.
func (c *Cache) Dir() string { return c.dir }

// Path is the cache file of the vault.
func (c *Cache) Path() string {
	return filepath.Join(c.dir, workspace.VaultFileName(c.location, c.env)+".vcache")
}

// Save replaces the cached bundle with raw, fetched and verified at
// fetchedAt. The caller must already have decrypted and verified raw
// (vault.Open and its own checks), since an offline start trusts nothing
// but what the cache holds; info is what the GET returned, with
// Generation set to the verified manifest's. It creates the directory
// (0700) when missing, and leaves the previous file whole when it fails.
func (c *Cache) Save(raw []byte, info s3bundle.ObjectInfo, fetchedAt time.Time) error {
	r := Record{
		Format:     format,
		Location:   c.location,
		Env:        c.env,
		Generation: info.Generation,
		ETag:       info.ETag,
		Size:       int64(len(raw)),
		FetchedAt:  fetchedAt.UTC(),
	}
	r.MAC = hex.EncodeToString(c.mac(r, raw))
	rec, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("cache record: %w", err)
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("cache directory: %w", err)
	}
	if err := CheckDir(c.dir); err != nil {
		return err
	}
	data := make([]byte, 0, len(rec)+1+len(raw))
	data = append(append(append(data, rec...), '\n'), raw...)
	if err := workspace.WriteFileAtomic(c.Path(), data, 0o600); err != nil {
		return fmt.Errorf("cache file %q: %w", c.Path(), err)
	}
	return nil
}

// RefreshFetchTime records that the bucket still holds the cached bundle (a poll of
// current.pgp with If-None-Match etag was answered 304 Not Modified): the
// record's fetch time moves to now, bundle and ETag unchanged, so that the
// max age counts from the last time the bucket vouched for the bundle,
// not from the last time it changed. A cache file holding another ETag
// (another vsync may have cached a newer generation) or none is left
// alone.
func (c *Cache) RefreshFetchTime(etag string, now time.Time) error {
	raw, rec, err := c.Load()
	if errors.Is(err, ErrNoCache) || (err == nil && (etag == "" || rec.ETag != etag)) {
		return nil
	}
	if err != nil {
		return err
	}
	return c.Save(raw, s3bundle.ObjectInfo{ETag: rec.ETag, Generation: rec.Generation}, now)
}
