package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vsync/s3bundle"
	"vsync/vault"
)

// Whoever can write the cache file but has not the passphrase can neither
// re-date its record nor put back an older bundle under a fresh fetch time
// (a rollback to old secrets): both are refused as tampered (68), at Load
// and at an offline start. The same through vsync run:
// testdata/script/run_cache.txtar.

// rewriteRecord applies edit to the record of the cache file at path,
// keeping its MAC: what a writer without the passphrase can do.
func rewriteRecord(t *testing.T, path string, edit func(*cacheRecord)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line, raw, _ := bytes.Cut(data, []byte{'\n'})
	var rec cacheRecord
	if err := json.Unmarshal(line, &rec); err != nil {
		t.Fatal(err)
	}
	edit(&rec)
	line, _ = json.Marshal(rec)
	if err := os.WriteFile(path, append(append(line, '\n'), raw...), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestBundleCacheRecordIsAuthenticated(t *testing.T) {
	st := &s3bundle.Store{Prefix: "p", Env: "prod"}
	cause := withCode(errors.New("GET: "+s3bundle.ErrUnreachable.Error()), exitUnreachable, "")
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	old := sealedBundle(t, "prod", 3, "pw", vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte("K=CANARY_old\n")})
	cur := sealedBundle(t, "prod", 4, "pw", vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte("K=CANARY_new\n")})
	newCache := func(t *testing.T) *offlineCache {
		return &offlineCache{bundleCache: newBundleCache(t.TempDir(), "s3://b/p/prod", "prod", []byte("pw")), maxAge: time.Hour, stderr: io.Discard}
	}
	// msg is what the error of the offline start says: the MAC's, or the
	// bundle check's when that sees the lie first.
	wantTampered := func(t *testing.T, oc *offlineCache, what, msg string) {
		t.Helper()
		if _, _, err := oc.Load(); !errors.Is(err, errCacheMAC) || exitCode(err) != exitTampered {
			t.Errorf("Load of %s: %s (exit %d), want errCacheMAC (68)", what, redacted(fmt.Sprint(err)), exitCode(err))
		}
		lv, err := oc.start(st, []byte("pw"), cause, now)
		if lv != nil || exitCode(err) != exitTampered || !strings.Contains(err.Error(), msg) {
			t.Errorf("offline start from %s: %s (exit %d), want 68", what, redacted(fmt.Sprint(err)), exitCode(err))
		}
		if err != nil && strings.Contains(err.Error()+hintFor(err), "CANARY") {
			t.Errorf("a value in the error or its hint: %q", redacted(err.Error()+hintFor(err)))
		}
	}

	t.Run("re-dated", func(t *testing.T) {
		oc := newCache(t)
		if err := oc.save(cur, s3bundle.ObjectInfo{Generation: 4}, now.Add(-3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		rewriteRecord(t, oc.Path(), func(r *cacheRecord) { r.FetchedAt = now.Add(-time.Minute) })
		wantTampered(t, oc, "a re-dated record", "does not match its MAC (re-dated or replayed)")
	})
	t.Run("older bundle replayed", func(t *testing.T) {
		oc := newCache(t)
		if err := oc.save(old, s3bundle.ObjectInfo{Generation: 3}, now.Add(-48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		stale, _ := os.ReadFile(oc.Path())
		if err := oc.save(cur, s3bundle.ObjectInfo{Generation: 4}, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		// The old file put back, made to look fresh.
		if err := os.WriteFile(oc.Path(), stale, 0o600); err != nil {
			t.Fatal(err)
		}
		rewriteRecord(t, oc.Path(), func(r *cacheRecord) { r.FetchedAt = now.Add(-time.Minute) })
		wantTampered(t, oc, "an older bundle made to look fresh", "does not match its MAC (re-dated or replayed)")
		// Or the older bundle under the current record.
		if err := oc.save(cur, s3bundle.ObjectInfo{Generation: 4}, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(oc.Path())
		line, _, _ := bytes.Cut(data, []byte{'\n'})
		if len(old) == len(cur) {
			if err := os.WriteFile(oc.Path(), append(append(line, '\n'), old...), 0o600); err != nil {
				t.Fatal(err)
			}
			wantTampered(t, oc, "an older bundle under the current record", "is labelled generation 4 but holds 3")
		}
	})
	t.Run("another generation claimed", func(t *testing.T) {
		oc := newCache(t)
		if err := oc.save(old, s3bundle.ObjectInfo{Generation: 3}, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		rewriteRecord(t, oc.Path(), func(r *cacheRecord) { r.Generation = 9 })
		wantTampered(t, oc, "a record claiming another generation", "is labelled generation 9 but holds 3")
	})
	// After a passphrase rotation the cache (MAC and bundle under the old
	// one) is a wrong passphrase, as before the MAC: 67, not 68.
	t.Run("written under another passphrase", func(t *testing.T) {
		dir := t.TempDir()
		before := newBundleCache(dir, "s3://b/p/prod", "prod", []byte("pw"))
		if err := before.save(cur, s3bundle.ObjectInfo{Generation: 4}, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		oc := &offlineCache{bundleCache: newBundleCache(dir, "s3://b/p/prod", "prod", []byte("rotated")), maxAge: time.Hour, stderr: io.Discard}
		_, err := oc.start(st, []byte("rotated"), cause, now)
		if exitCode(err) != exitPassphrase || !strings.Contains(hintFor(err), "passphrase rotation") {
			t.Errorf("offline start after a rotation: %v (exit %d), want 67", err, exitCode(err))
		}
	})
}

// A cache file of the unauthenticated format vsync-cache-v1 is not
// trusted: treated as absent (no offline start from it, 69), replaced by
// the next save.
func TestBundleCacheOldFormatIsAbsent(t *testing.T) {
	oc := &offlineCache{bundleCache: newBundleCache(t.TempDir(), "s3://b/p/prod", "prod", []byte("pw")), maxAge: time.Hour, stderr: io.Discard}
	raw := sealedBundle(t, "prod", 2, "pw")
	now := time.Now().UTC()
	line, _ := json.Marshal(map[string]any{"format": cacheFormatV1, "vault": oc.vault, "env": "prod", "generation": 2,
		"etag": `"e"`, "size": len(raw), "fetched_at": now})
	if err := os.WriteFile(oc.Path(), append(append(line, '\n'), raw...), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := oc.Load(); !errors.Is(err, errNoCache) || !errors.Is(err, errOldCache) {
		t.Fatalf("Load of a v1 file: %v, want errNoCache", err)
	}
	cause := withCode(errors.New("GET: "+s3bundle.ErrUnreachable.Error()), exitUnreachable, "")
	_, err := oc.start(&s3bundle.Store{Prefix: "p", Env: "prod"}, []byte("pw"), cause, now)
	if exitCode(err) != exitUnreachable || !strings.Contains(err.Error(), "no cached bundle") || !strings.Contains(err.Error(), "(the cache file there predates authenticated records)") {
		t.Errorf("offline start from a v1 file: %v (exit %d), want 69", err, exitCode(err))
	}
	if err := oc.Save(raw, s3bundle.ObjectInfo{Generation: 2}); err != nil {
		t.Fatal(err)
	}
	if _, rec, err := oc.Load(); err != nil || rec.Generation != 2 {
		t.Errorf("Load after a save over the v1 file: %+v, %v", rec, err)
	}
}

// A cache directory someone else may write to is refused (78), for
// reading and for writing.
func TestCacheDirMustBeOwnAndPrivate(t *testing.T) {
	raw := sealedBundle(t, "prod", 2, "pw")
	check := func(t *testing.T, dir, want string) {
		t.Helper()
		c := newBundleCache(dir, "s3://b/p/prod", "prod", []byte("pw"))
		for what, err := range map[string]error{
			"checkCacheDir": checkCacheDir(dir),
			"Save":          c.Save(raw, s3bundle.ObjectInfo{Generation: 2}),
			"Load":          func() error { _, _, err := c.Load(); return err }(),
		} {
			if !errors.Is(err, errUnsafeCacheDir) || exitCode(err) != exitConfig || !strings.Contains(err.Error(), want) {
				t.Errorf("%s in %s: %v (exit %d), want errUnsafeCacheDir (78) saying %q", what, dir, err, exitCode(err), want)
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
		c := newBundleCache(dir, "s3://b/p/prod", "prod", []byte("pw"))
		if err := c.Save(raw, s3bundle.ObjectInfo{Generation: 2}); err != nil {
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
	c := newBundleCache(dir, "s3://b/p/prod", "prod", []byte("pw"))
	raw := []byte("not a real bundle: Load does not decrypt")
	fetched := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := c.save(raw, s3bundle.ObjectInfo{ETag: `"e"`, Generation: 3}, fetched); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(c.Path())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(bytes.Replace(good, []byte(`"generation":3`), []byte(`"generation":4`), 1))
	f.Add(bytes.Replace(good, []byte(cacheFormat), []byte(cacheFormatV1), 1))
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
		case errors.Is(err, errNoCache), errors.Is(err, vault.ErrIntegrity), errors.Is(err, vault.ErrManifest):
		default:
			t.Fatalf("Load: undocumented error %v", err)
		}
	})
}
