package logcache

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
	"time"

	"vsync/internal/bundlecache"
	"vsync/internal/history"
	"vsync/internal/workspace"
)

// format is the header's first field; a file of another format is not
// used (and replaced by the next Save).
// (v1 files were authenticated under a key derived from the passphrase.)
const format = "vsync-log-cache-v2"

// macInfo is the HKDF context of the MAC's key, derived from the
// passphrase salted with the vault's log cache key: not the one of
// bundlecache's records, so that neither MAC stands for the other;
// keyIDInfo the one of the key's id in the header.
const (
	macInfo   = "vsync log cache MAC v2"
	keyIDInfo = "vsync log cache key id v2"
)

// ErrTampered: the cache file names the key of the passphrase and the
// vault's log cache key but does not authenticate under it (written by
// someone without them); it is not used, and the next Save replaces it. A
// file written under another passphrase (one since rotated) or another
// log cache key is not used either, and is no error.
var ErrTampered = errors.New("log cache file does not authenticate")

// Cache is the log cache of one env's vault: the file DIR/ENV-HASH.vlog,
// HASH naming the vault's location (as bundlecache names its files), so
// that two envs or two buckets never share one. The file is a header
// line of JSON (format, vault, env, key id, MAC) and a JSON array of
// entries; the MAC is HMAC-SHA256, under a key derived with HKDF from the
// passphrase salted with the vault's log cache key (random, kept in the
// user's configuration directory beside the passphrase store:
// workspace.Home.LogCacheKey), of the header without it, a newline, and
// the array. The key id (8 bytes derived alike) tells a file written
// under another passphrase or log cache key from a tampered one, so that
// a log under a wrong passphrase uses no entry. Nothing in the file is
// derived from the passphrase alone: a copy of it tests no guess of the
// passphrase without the log cache key (whose directory holds the
// passphrase store).
// The directory must be the user's and writable by nobody else
// (bundlecache.CheckDir); it is created 0700, the file is 0600 and
// replaced by one rename.
//
// It implements history.LogCache for one goroutine.
type Cache struct {
	dir      string
	location string
	env      string
	pass     []byte
	key      []byte // of the MAC; nil: no log cache key yet (makeKey)
	keyID    string
	makeKey  func() ([]byte, error)
	entries  map[uint64]record // by generation: one entry per generation
	changed  bool
}

var _ history.LogCache = (*Cache)(nil)

// header is the file's first line.
type header struct {
	Format   string `json:"format"`
	Location string `json:"vault"`
	Env      string `json:"env"`
	KeyID    string `json:"key"`           // hex, the key's id
	MAC      string `json:"mac,omitempty"` // hex HMAC-SHA256 (Cache.mac)
}

// record is one entry and the objects it was worked out from.
type record struct {
	Gen        uint64    `json:"gen"`
	ETag       string    `json:"etag"`
	Size       int64     `json:"size"`
	ParentETag string    `json:"parent_etag,omitempty"`
	ParentSize int64     `json:"parent_size,omitempty"`
	Parent     uint64    `json:"parent"` // the parent the manifest names
	Created    time.Time `json:"created"`
	Author     string    `json:"author"`
	Note       string    `json:"note"`
	Changes    []change  `json:"changes,omitempty"`
}

type change struct {
	Op   string      `json:"op"` // "+", "-" or "~"
	Path string      `json:"path"`
	Mode bool        `json:"mode,omitempty"`
	Keys []keyChange `json:"keys,omitempty"`
}

type keyChange struct {
	Op  string `json:"op"`
	Key string `json:"key"`
}

// Open is the log cache in dir of env's vault at location (bucket or
// directory, endpoint, prefix, env), authenticated under pass (the env's
// passphrase) salted with key (the vault's log cache key:
// workspace.Home.LogCacheKey), with the entries its file holds. key is nil
// when the vault has no key yet: a file is then not used (no error), and
// Save first gets a key from makeKey, so that a log that keeps nothing
// (one that fails) makes none. The Cache is usable
// whatever the error, empty when the file could not be used: no file is
// not an error; a file that does not authenticate is ErrTampered, a
// directory that is not private bundlecache.ErrUnsafeDir (and Save then
// writes nothing).
func Open(dir, location, env string, pass, key []byte, makeKey func() ([]byte, error)) (*Cache, error) {
	c := &Cache{dir: dir, location: location, env: env, pass: pass, makeKey: makeKey, entries: map[uint64]record{}}
	if err := bundlecache.CheckDir(dir); err != nil {
		return c, err
	}
	if key == nil {
		return c, nil
	}
	c.setKey(key)
	data, err := os.ReadFile(c.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("log cache %q: %w", c.Path(), err)
	}
	recs, err := c.parse(data)
	if err != nil {
		return c, fmt.Errorf("log cache %q: %w", c.Path(), err)
	}
	for _, r := range recs {
		c.entries[r.Gen] = r
	}
	return c, nil
}

// setKey derives the MAC's key and its id from the passphrase salted with
// key (the vault's log cache key).
func (c *Cache) setKey(key []byte) {
	mk, err := hkdf.Key(sha256.New, c.pass, key, macInfo, sha256.Size)
	if err != nil {
		panic(err) // only for a key length HKDF-SHA256 cannot give
	}
	id, err := hkdf.Key(sha256.New, c.pass, key, keyIDInfo, 8)
	if err != nil {
		panic(err)
	}
	c.key, c.keyID = mk, hex.EncodeToString(id)
}

// parse checks a cache file and returns its records; a file of another
// format or vault is no error and no record.
func (c *Cache) parse(data []byte) ([]record, error) {
	line, body, ok := bytes.Cut(data, []byte{'\n'})
	var h header
	if !ok || json.Unmarshal(line, &h) != nil {
		return nil, ErrTampered
	}
	if h.Format != format || h.Location != c.location || h.Env != c.env || h.KeyID != c.keyID {
		return nil, nil
	}
	got, err := hex.DecodeString(h.MAC)
	if err != nil || !hmac.Equal(got, c.mac(body)) {
		return nil, ErrTampered
	}
	var recs []record
	if err := json.Unmarshal(body, &recs); err != nil {
		return nil, ErrTampered
	}
	return recs, nil
}

// headerLine is the file's header without its MAC.
func (c *Cache) headerLine() []byte {
	line, _ := json.Marshal(header{Format: format, Location: c.location, Env: c.env, KeyID: c.keyID}) // strings only
	return line
}

// mac is the MAC of the file whose array is body.
func (c *Cache) mac(body []byte) []byte {
	h := hmac.New(sha256.New, c.key)
	h.Write(c.headerLine())
	h.Write([]byte{'\n'})
	h.Write(body)
	return h.Sum(nil)
}

// Path is the cache file of the vault.
func (c *Cache) Path() string {
	return filepath.Join(c.dir, workspace.VaultFileName(c.location, c.env)+".vlog")
}

// Entry implements history.LogCache: the entry of id.Gen when it was kept
// under id's objects.
func (c *Cache) Entry(id history.EntryID) (history.Entry, bool) {
	r, ok := c.entries[id.Gen]
	if !ok || r.ETag != id.Object.ETag || r.Size != id.Object.Size ||
		r.ParentETag != id.Parent.ETag || r.ParentSize != id.Parent.Size {
		return history.Entry{}, false
	}
	return r.entry(), true
}

// Keep implements history.LogCache; Save writes what was kept.
func (c *Cache) Keep(id history.EntryID, e history.Entry) {
	c.entries[id.Gen] = newRecord(id, e)
	c.changed = true
}

// Save writes the entries to the cache file when Keep changed them: the
// directory is created 0700 when missing, the file written 0600 and
// renamed into place; a directory that is not private is
// bundlecache.ErrUnsafeDir and nothing is written. Without a key (Open),
// it first gets one from makeKey; its error is returned and nothing is
// written.
func (c *Cache) Save() error {
	if !c.changed {
		return nil
	}
	if err := bundlecache.CheckDir(c.dir); err != nil {
		return err
	}
	if c.key == nil {
		key, err := c.makeKey()
		if err != nil {
			return err
		}
		c.setKey(key)
	}
	recs := make([]record, 0, len(c.entries))
	for _, r := range c.entries {
		recs = append(recs, r)
	}
	sortRecords(recs)
	body, err := json.Marshal(recs)
	if err != nil {
		return fmt.Errorf("log cache: %w", err)
	}
	h := header{Format: format, Location: c.location, Env: c.env, KeyID: c.keyID, MAC: hex.EncodeToString(c.mac(body))}
	line, _ := json.Marshal(h)
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("log cache directory: %w", err)
	}
	if err := bundlecache.CheckDir(c.dir); err != nil {
		return err
	}
	data := append(append(line, '\n'), body...)
	if err := workspace.WriteFileAtomic(c.Path(), data, 0o600); err != nil {
		return fmt.Errorf("log cache %q: %w", c.Path(), err)
	}
	c.changed = false
	return nil
}
