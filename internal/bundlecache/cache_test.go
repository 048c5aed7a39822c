package bundlecache

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vsync/internal/testsupport"
	"vsync/s3bundle"
	"vsync/vault"
)

func TestBundleCacheSaveLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	c := New(dir, "s3://b/p/prod at http://127.0.0.1:1", "prod", []byte("pw"))
	if _, _, err := c.Load(); !errors.Is(err, ErrNoCache) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load of an empty cache: %v, want ErrNoCache", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load created the directory: %v", err)
	}
	raw := testsupport.SealedBundle(t, "prod", 7, "pw", vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte("K=CANARY_cache\n")})
	fetched := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := c.Save(raw, s3bundle.ObjectInfo{ETag: `"etag-7"`, Generation: 7}, fetched); err != nil {
		t.Fatal(err)
	}
	got, rec, err := c.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, raw) {
		t.Fatal("Load did not return the bundle exactly as saved")
	}
	want := Record{Format: format, Location: c.location, Env: "prod", Generation: 7, ETag: `"etag-7"`, Size: int64(len(raw)), FetchedAt: fetched}
	if rec != want {
		t.Fatalf("record %+v, want %+v", rec, want)
	}
	for p, mode := range map[string]os.FileMode{dir: 0o700, c.Path(): 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), mode)
		}
	}
	// Only the cache file: no temporary file left beside it.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("cache directory holds %d entries, want 1", len(ents))
	}
	// The record is plain JSON on the first line, the bundle follows:
	// what is in the file is still encrypted.
	data, _ := os.ReadFile(c.Path())
	if bytes.Contains(data, []byte("CANARY")) {
		t.Error("the cache file holds a plaintext value")
	}
	if !bytes.HasSuffix(data, raw) {
		t.Error("the cache file does not end with the bundle as fetched")
	}
}

// Two envs, and the same env in two buckets or at two endpoints, never
// share a cache file.
func TestBundleCacheKeys(t *testing.T) {
	dir := t.TempDir()
	caches := []*Cache{
		New(dir, "s3://b/p/prod", "prod", []byte("pw")),
		New(dir, "s3://b/p/staging", "staging", []byte("pw")),
		New(dir, "s3://other/p/prod", "prod", []byte("pw")),
		New(dir, "s3://b/p/prod at http://127.0.0.1:9000", "prod", []byte("pw")),
		New(dir, "s3://b/q/prod", "prod", []byte("pw")),
	}
	seen := map[string]bool{}
	for i, c := range caches {
		if seen[c.Path()] {
			t.Fatalf("cache %d shares %s", i, c.Path())
		}
		seen[c.Path()] = true
		if filepath.Dir(c.Path()) != dir || !strings.HasPrefix(filepath.Base(c.Path()), c.env+"-") {
			t.Errorf("cache path %s: want DIR/ENV-HASH.vcache", c.Path())
		}
	}
	// A file copied from another vault's name is refused as tampered.
	raw := testsupport.SealedBundle(t, "prod", 1, "pw")
	if err := caches[2].Save(raw, s3bundle.ObjectInfo{Generation: 1}, time.Now()); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(caches[2].Path())
	if err := os.WriteFile(caches[0].Path(), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := caches[0].Load(); !errors.Is(err, vault.ErrManifest) {
		t.Fatalf("Load of another vault's file: %v, want vault.ErrManifest", err)
	}
}

// A damaged record or a bundle of another size is refused like a tampered
// bundle (68), before anything is decrypted.
func TestBundleCacheLoadRefuses(t *testing.T) {
	raw := testsupport.SealedBundle(t, "prod", 3, "pw")
	for name, damage := range map[string]func([]byte) []byte{
		"no newline":      func(b []byte) []byte { return bytes.ReplaceAll(b, []byte{'\n'}, nil)[:40] },
		"not json":        func(b []byte) []byte { return append([]byte("garbage\n"), raw...) },
		"other format":    func(b []byte) []byte { return bytes.Replace(b, []byte(format), []byte("vsync-cache-v9"), 1) },
		"truncated":       func(b []byte) []byte { return b[:len(b)-1] },
		"appended":        func(b []byte) []byte { return append(b, 0) },
		"other env":       func(b []byte) []byte { return bytes.Replace(b, []byte(`"env":"prod"`), []byte(`"env":"prud"`), 1) },
		"no generation":   func(b []byte) []byte { return bytes.Replace(b, []byte(`"generation":3`), []byte(`"generation":0`), 1) },
		"empty file":      func(b []byte) []byte { return nil },
		"no fetched time": func(b []byte) []byte { return bytes.Replace(b, []byte(`"fetched_at"`), []byte(`"fetched_no"`), 1) },
	} {
		t.Run(name, func(t *testing.T) {
			c := New(t.TempDir(), "s3://b/p/prod", "prod", []byte("pw"))
			if err := c.Save(raw, s3bundle.ObjectInfo{Generation: 3}, time.Now()); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(c.Path())
			if err := os.WriteFile(c.Path(), damage(data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := c.Load()
			if !errors.Is(err, vault.ErrIntegrity) && !errors.Is(err, vault.ErrManifest) {
				t.Fatalf("Load: %v, want vault.ErrIntegrity or vault.ErrManifest (tampered)", err)
			}
		})
	}
}

// A poll answered "not modified" moves the cached bundle's fetch time
// forward, for the same ETag only; the bundle stays byte for byte.
func TestBundleCacheRefreshFetchTime(t *testing.T) {
	c := New(filepath.Join(t.TempDir(), "cache"), "s3://b/p/prod", "prod", []byte("pw"))
	if err := c.RefreshFetchTime(`"e1"`, time.Now()); err != nil {
		t.Fatalf("RefreshFetchTime of an empty cache: %v", err)
	}
	if _, err := os.Stat(c.dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("RefreshFetchTime of an empty cache wrote something: %v", err)
	}
	raw := testsupport.SealedBundle(t, "prod", 3, "pw", vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte("K=v\n")})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := c.Save(raw, s3bundle.ObjectInfo{ETag: `"e1"`, Generation: 3}, t0); err != nil {
		t.Fatal(err)
	}
	fetchedAt := func() time.Time {
		t.Helper()
		got, rec, err := c.Load()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, raw) || rec.ETag != `"e1"` || rec.Generation != 3 {
			t.Fatalf("RefreshFetchTime changed the bundle or its record: %+v", rec)
		}
		return rec.FetchedAt
	}
	t1 := t0.Add(30 * time.Hour)
	if err := c.RefreshFetchTime(`"e1"`, t1); err != nil {
		t.Fatal(err)
	}
	if got := fetchedAt(); !got.Equal(t1) {
		t.Errorf("fetched_at %v after RefreshFetchTime, want %v", got, t1)
	}
	for _, other := range []string{`"e2"`, ""} {
		if err := c.RefreshFetchTime(other, t1.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got := fetchedAt(); !got.Equal(t1) {
			t.Errorf("RefreshFetchTime(%q) of another ETag moved fetched_at to %v", other, got)
		}
	}
}

// A cache file of the unauthenticated format vsync-cache-v1 is not
// trusted: treated as absent (no offline start from it, 69), replaced by
// the next save.
func TestBundleCacheOldFormatIsAbsent(t *testing.T) {
	c := New(t.TempDir(), "s3://b/p/prod", "prod", []byte("pw"))
	raw := testsupport.SealedBundle(t, "prod", 2, "pw")
	now := time.Now().UTC()
	line, _ := json.Marshal(map[string]any{"format": formatV1, "vault": c.location, "env": "prod", "generation": 2,
		"etag": `"e"`, "size": len(raw), "fetched_at": now})
	if err := os.WriteFile(c.Path(), append(append(line, '\n'), raw...), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Load(); !errors.Is(err, ErrNoCache) || !errors.Is(err, ErrOldCache) {
		t.Fatalf("Load of a v1 file: %v, want ErrNoCache", err)
	}
	if err := c.Save(raw, s3bundle.ObjectInfo{Generation: 2}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, rec, err := c.Load(); err != nil || rec.Generation != 2 {
		t.Errorf("Load after a save over the v1 file: %+v, %v", rec, err)
	}
}

// A cache directory someone else may write to is refused (78), for
// reading and for writing.
func TestCacheDirMustBeOwnAndPrivate(t *testing.T) {
	raw := testsupport.SealedBundle(t, "prod", 2, "pw")
	check := func(t *testing.T, dir, want string) {
		t.Helper()
		c := New(dir, "s3://b/p/prod", "prod", []byte("pw"))
		for what, err := range map[string]error{
			"CheckDir": CheckDir(dir),
			"Save":     c.Save(raw, s3bundle.ObjectInfo{Generation: 2}, time.Now()),
			"Load":     func() error { _, _, err := c.Load(); return err }(),
		} {
			if !errors.Is(err, ErrUnsafeDir) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s in %s: %v, want ErrUnsafeDir saying %q", what, dir, err, want)
			}
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("something was written to %s", dir)
		}
	}
	for _, mode := range []os.FileMode{0o777, 0o770, 0o1777} {
		dir := filepath.Join(t.TempDir(), "cache")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode|os.ModeSticky*(mode>>9&1)); err != nil {
			t.Fatal(err)
		}
		check(t, dir, "writable by group or others")
	}
	if os.Geteuid() == 0 {
		dir := filepath.Join(t.TempDir(), "cache")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		check(t, dir, "belongs to uid 65534")
	}
	// Missing, it is created 0700; existing 0700 or 0755 and the user's, it
	// serves.
	for _, mode := range []os.FileMode{0, 0o700, 0o755} {
		dir := filepath.Join(t.TempDir(), "cache")
		if mode != 0 {
			if err := os.Mkdir(dir, mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(dir, mode)
		}
		c := New(dir, "s3://b/p/prod", "prod", []byte("pw"))
		if err := c.Save(raw, s3bundle.ObjectInfo{Generation: 2}, time.Now()); err != nil {
			t.Errorf("Save in a %04o directory: %v", mode, err)
		}
		if _, _, err := c.Load(); err != nil {
			t.Errorf("Load in a %04o directory: %v", mode, err)
		}
	}
}

// FuzzBundleCacheLoad: whatever a cache file holds, Load does not panic,
// refuses it with one of its documented errors, and accepts nothing but
// the record and bundle vsync wrote: no edit gets past the MAC.
func FuzzBundleCacheLoad(f *testing.F) {
	dir := f.TempDir()
	c := New(dir, "s3://b/p/prod", "prod", []byte("pw"))
	raw := []byte("not a real bundle: Load does not decrypt")
	fetched := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := c.Save(raw, s3bundle.ObjectInfo{ETag: `"e"`, Generation: 3}, fetched); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(c.Path())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(bytes.Replace(good, []byte(`"generation":3`), []byte(`"generation":4`), 1))
	f.Add(bytes.Replace(good, []byte(format), []byte(formatV1), 1))
	f.Add(good[:len(good)-1])
	f.Add([]byte("{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(c.Path(), data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, rec, err := c.Load()
		switch {
		case err == nil:
			if !bytes.Equal(got, raw) || rec.Generation != 3 || !rec.FetchedAt.Equal(fetched) || rec.ETag != `"e"` {
				t.Fatalf("Load accepted a record vsync did not write: %+v", rec)
			}
		case errors.Is(err, ErrNoCache), errors.Is(err, vault.ErrIntegrity), errors.Is(err, vault.ErrManifest):
		default:
			t.Fatalf("Load: undocumented error %v", err)
		}
	})
}
