package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"vsync/internal/bundlecache"
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
func rewriteRecord(t *testing.T, path string, edit func(*bundlecache.Record)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line, raw, _ := bytes.Cut(data, []byte{'\n'})
	var rec bundlecache.Record
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
		return &offlineCache{Cache: bundlecache.New(t.TempDir(), "s3://b/p/prod", "prod", []byte("pw")), maxAge: time.Hour, stderr: io.Discard}
	}
	// msg is what the error of the offline start says: the MAC's, or the
	// bundle check's when that sees the lie first.
	wantTampered := func(t *testing.T, oc *offlineCache, what, msg string) {
		t.Helper()
		if _, _, err := oc.Load(); !errors.Is(err, bundlecache.ErrMAC) || exitCode(err) != exitTampered {
			t.Errorf("Load of %s: %s (exit %d), want bundlecache.ErrMAC (68)", what, redacted(fmt.Sprint(err)), exitCode(err))
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
		if err := oc.Save(cur, s3bundle.ObjectInfo{Generation: 4}, now.Add(-3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		rewriteRecord(t, oc.Path(), func(r *bundlecache.Record) { r.FetchedAt = now.Add(-time.Minute) })
		wantTampered(t, oc, "a re-dated record", "does not match its MAC (re-dated or replayed)")
	})
	t.Run("older bundle replayed", func(t *testing.T) {
		oc := newCache(t)
		if err := oc.Save(old, s3bundle.ObjectInfo{Generation: 3}, now.Add(-48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		stale, _ := os.ReadFile(oc.Path())
		if err := oc.Save(cur, s3bundle.ObjectInfo{Generation: 4}, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		// The old file put back, made to look fresh.
		if err := os.WriteFile(oc.Path(), stale, 0o600); err != nil {
			t.Fatal(err)
		}
		rewriteRecord(t, oc.Path(), func(r *bundlecache.Record) { r.FetchedAt = now.Add(-time.Minute) })
		wantTampered(t, oc, "an older bundle made to look fresh", "does not match its MAC (re-dated or replayed)")
		// Or the older bundle under the current record.
		if err := oc.Save(cur, s3bundle.ObjectInfo{Generation: 4}, now.Add(-time.Minute)); err != nil {
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
		if err := oc.Save(old, s3bundle.ObjectInfo{Generation: 3}, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		rewriteRecord(t, oc.Path(), func(r *bundlecache.Record) { r.Generation = 9 })
		wantTampered(t, oc, "a record claiming another generation", "is labelled generation 9 but holds 3")
	})
	// After a passphrase rotation the cache (MAC and bundle under the old
	// one) is a wrong passphrase, as before the MAC: 67, not 68.
	t.Run("written under another passphrase", func(t *testing.T) {
		dir := t.TempDir()
		before := bundlecache.New(dir, "s3://b/p/prod", "prod", []byte("pw"))
		if err := before.Save(cur, s3bundle.ObjectInfo{Generation: 4}, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		oc := &offlineCache{Cache: bundlecache.New(dir, "s3://b/p/prod", "prod", []byte("rotated")), maxAge: time.Hour, stderr: io.Discard}
		_, err := oc.start(st, []byte("rotated"), cause, now)
		if exitCode(err) != exitPassphrase || !strings.Contains(hintFor(err), "passphrase rotation") {
			t.Errorf("offline start after a rotation: %v (exit %d), want 67", err, exitCode(err))
		}
	})
}

// A cache file of the unauthenticated format vsync-cache-v1 is not
// trusted: no offline start from it (69).
func TestOfflineStartFromOldFormat(t *testing.T) {
	oc := &offlineCache{Cache: bundlecache.New(t.TempDir(), "s3://b/p/prod", "prod", []byte("pw")), maxAge: time.Hour, stderr: io.Discard}
	raw := sealedBundle(t, "prod", 2, "pw")
	now := time.Now().UTC()
	line, _ := json.Marshal(map[string]any{"format": "vsync-cache-v1", "vault": "s3://b/p/prod", "env": "prod", "generation": 2,
		"etag": `"e"`, "size": len(raw), "fetched_at": now})
	if err := os.WriteFile(oc.Path(), append(append(line, '\n'), raw...), 0o600); err != nil {
		t.Fatal(err)
	}
	cause := withCode(errors.New("GET: "+s3bundle.ErrUnreachable.Error()), exitUnreachable, "")
	_, err := oc.start(&s3bundle.Store{Prefix: "p", Env: "prod"}, []byte("pw"), cause, now)
	if exitCode(err) != exitUnreachable || !strings.Contains(err.Error(), "no cached bundle") || !strings.Contains(err.Error(), "(the cache file there predates authenticated records)") {
		t.Errorf("offline start from a v1 file: %v (exit %d), want 69", err, exitCode(err))
	}
}
