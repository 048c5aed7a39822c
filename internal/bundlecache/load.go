package bundlecache

import (
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"vsync/vault"
)

// ErrNoCache: the vault has no cache file in the directory yet. It matches
// fs.ErrNotExist.
var ErrNoCache = fmt.Errorf("no cached bundle: %w", fs.ErrNotExist)

// ErrOldCache: the cache file was written by a vsync that did not
// authenticate its record (formatV1). It is ErrNoCache.
var ErrOldCache = fmt.Errorf("%s: %w", oldCacheWhy, ErrNoCache)

// oldCacheWhy is why a cache file of the old format serves no start.
const oldCacheWhy = "the cache file there predates authenticated records"

// ErrMAC: the record or the bundle of the cache file is not what vsync
// wrote under this passphrase: re-dated, replayed, or written under
// another passphrase (which only decrypting the bundle tells apart). It is
// vault.ErrIntegrity.
var ErrMAC = fmt.Errorf("the record does not match its MAC (re-dated or replayed): %w", vault.ErrIntegrity)

// Load reads the cache file: its record and the bundle, still encrypted
// and not yet verified (the caller does that, as for a fetched one). A
// missing file, or one of the old unauthenticated format, is ErrNoCache; a
// directory that fails CheckDir is ErrUnsafeDir; a file whose record is
// malformed, names another vault or env, or whose bundle is not the
// recorded size, is refused as a tampered bundle (vault.ErrIntegrity or
// vault.ErrManifest). A record and bundle that fail their MAC are ErrMAC,
// returned with the bundle and record so that the caller can tell another
// passphrase from tampering.
func (c *Cache) Load() ([]byte, Record, error) {
	if err := CheckDir(c.dir); err != nil {
		return nil, Record{}, err
	}
	data, err := os.ReadFile(c.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Record{}, ErrNoCache
	}
	if err != nil {
		return nil, Record{}, fmt.Errorf("cache file %q: %w", c.Path(), err)
	}
	line, raw, ok := bytes.Cut(data, []byte{'\n'})
	var rec Record
	if ok && json.Unmarshal(line, &rec) == nil && rec.Format == formatV1 {
		return nil, Record{}, ErrOldCache
	}
	if !ok || json.Unmarshal(line, &rec) != nil || rec.Format != format || rec.Generation == 0 || rec.FetchedAt.IsZero() {
		return nil, Record{}, fmt.Errorf("cache file %q: malformed record: %w", c.Path(), vault.ErrIntegrity)
	}
	switch {
	case rec.Location != c.location || rec.Env != c.env:
		return nil, Record{}, fmt.Errorf("cache file %q holds env %q of %s, not this vault: %w", c.Path(), rec.Env, rec.Location, vault.ErrManifest)
	case rec.Size != int64(len(raw)):
		return nil, Record{}, fmt.Errorf("cache file %q holds %d bundle bytes, its record says %d: %w", c.Path(), len(raw), rec.Size, vault.ErrIntegrity)
	}
	got, err := hex.DecodeString(rec.MAC)
	if err != nil || !hmac.Equal(got, c.mac(rec, raw)) {
		return raw, rec, fmt.Errorf("cache file %q: %w", c.Path(), ErrMAC)
	}
	rec.MAC = ""
	return raw, rec, nil
}
