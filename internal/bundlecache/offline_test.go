package bundlecache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vsync/internal/testsupport"
	"vsync/s3bundle"
	"vsync/vault"
)

// unreachable is the cause of an offline start: the bucket did not answer.
var unreachable = errors.New("GET s3://b/p/prod/current.pgp: " + s3bundle.ErrUnreachable.Error())

// newOffline is an Offline of env prod in a fresh directory, its
// passphrase pass, its max age an hour.
func newOffline(t *testing.T, dir, pass string, messages io.Writer) *Offline {
	if dir == "" {
		dir = t.TempDir()
	}
	return &Offline{Cache: New(dir, "s3://b/p/prod", "prod", []byte(pass)), MaxAge: time.Hour, Messages: messages}
}

// The fallback: within the age the cached bundle is decrypted and verified
// and said on Messages; past it, with no cache, or with a damaged one it is
// refused with an error of its kind, and no value is ever printed.
func TestOfflineStart(t *testing.T) {
	st := &s3bundle.Store{Backend: nil, Prefix: "p", Env: "prod"}
	raw := testsupport.SealedBundle(t, "prod", 5, "pw",
		vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte("K=CANARY_cache\n")},
		vault.File{Path: "sa.json", Mode: 0o600, Data: []byte("CANARY_file")})
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)

	t.Run("within age", func(t *testing.T) {
		var messages bytes.Buffer
		o := newOffline(t, "", "pw", &messages)
		if err := o.Save(raw, s3bundle.ObjectInfo{Generation: 5}, now.Add(-59*time.Minute)); err != nil {
			t.Fatal(err)
		}
		b, err := o.Start(st, []byte("pw"), unreachable, now)
		if err != nil {
			t.Fatal(err)
		}
		if b.Manifest.Generation != 5 || len(b.Files) != 2 {
			t.Fatalf("started from generation %d, %d files", b.Manifest.Generation, len(b.Files))
		}
		if got := messages.String(); !strings.Contains(got, "starting from cached generation 5 fetched 59m0s ago") || strings.Count(got, "\n") != 1 {
			t.Errorf("messages %q", got)
		}
	})
	for _, tc := range []struct {
		name    string
		fetched time.Duration // before now
		pass    string
		damage  int // offset from the end of the file to flip, 0 for none
		want    func(error) bool
		msg     string
	}{
		{"past age", 61 * time.Minute, "pw", 0, isAgeError, "fetched 1h1m0s ago, more than --cache-max-age 1h0m0s"},
		{"future", -2 * time.Hour, "pw", 0, isAgeError, "in the future"},
		{"wrong passphrase", time.Minute, "other", 0, isCached(vault.ErrWrongPassphrase), "cached current.pgp"},
		{"flipped byte", time.Minute, "pw", 10, isCached(vault.ErrIntegrity), "cached current.pgp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var messages bytes.Buffer
			o := newOffline(t, "", "pw", &messages)
			if err := o.Save(raw, s3bundle.ObjectInfo{Generation: 5}, now.Add(-tc.fetched)); err != nil {
				t.Fatal(err)
			}
			if tc.damage != 0 {
				data, _ := os.ReadFile(o.Path())
				data[len(data)-tc.damage] ^= 0xff
				os.WriteFile(o.Path(), data, 0o600)
			}
			b, err := o.Start(st, []byte(tc.pass), unreachable, now)
			if err == nil || b != nil {
				t.Fatalf("start gave %v, want an error", b != nil)
			}
			if !tc.want(err) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q, want one of its kind saying %q", testsupport.Redacted(err.Error()), tc.msg)
			}
			if messages.Len() != 0 || strings.Contains(err.Error(), "CANARY") {
				t.Errorf("messages %q, error %q", testsupport.Redacted(messages.String()), testsupport.Redacted(err.Error()))
			}
		})
	}
	t.Run("no cache", func(t *testing.T) {
		o := newOffline(t, "", "pw", io.Discard)
		_, err := o.Start(st, []byte("pw"), unreachable, now)
		var oe *OfflineError
		if !errors.As(err, &oe) || !errors.Is(err, ErrNoCache) {
			t.Errorf("error %v, want an *OfflineError of ErrNoCache", err)
		}
		if want := fmt.Sprintf("%v; no cached bundle of env %q in %q to start from", unreachable, "prod", o.Dir()); err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
	})
}

// isAgeError matches an *OfflineError whose cache was too old.
func isAgeError(err error) bool {
	var oe *OfflineError
	var ae *AgeError
	return errors.As(err, &oe) && errors.As(err, &ae)
}

// isCached matches a *CachedBundleError that is target.
func isCached(target error) func(error) bool {
	return func(err error) bool {
		var ce *CachedBundleError
		return errors.As(err, &ce) && errors.Is(err, target)
	}
}

// Only silence falls back to the cache: an unreachable endpoint or the
// fetch timeout. Every answer of the bucket, and every bundle that does
// not open, is an error of its own.
func TestBucketDidNotAnswer(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("get: %w", s3bundle.ErrUnreachable), true},
		{fmt.Errorf("get: %w", context.DeadlineExceeded), true},
		{fmt.Errorf("get: %w", s3bundle.ErrAccessDenied), false},
		{fmt.Errorf("get: %w", s3bundle.ErrNoBucket), false},
		{fmt.Errorf("get: %w", s3bundle.ErrNotExist), false},
		{fmt.Errorf("open: %w", vault.ErrWrongPassphrase), false},
		{fmt.Errorf("open: %w", vault.ErrIntegrity), false},
		{fmt.Errorf("open: %w", vault.ErrManifest), false},
		{context.Canceled, false},
	} {
		if got := BucketDidNotAnswer(tc.err); got != tc.want {
			t.Errorf("BucketDidNotAnswer(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// Offline.KeepUnchanged writes the cache file's fetch time at most once per
// MaxAge/24.
func TestOfflineKeepUnchangedThrottle(t *testing.T) {
	c := New(filepath.Join(t.TempDir(), "cache"), "s3://b/p/prod", "prod", []byte("pw"))
	raw := testsupport.SealedBundle(t, "prod", 3, "pw", vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte("K=v\n")})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fetchedAt := func() time.Time {
		t.Helper()
		_, rec, err := c.Load()
		if err != nil {
			t.Fatal(err)
		}
		return rec.FetchedAt // the bundle and the rest: TestBundleCacheRefreshFetchTime
	}
	if err := c.Save(raw, s3bundle.ObjectInfo{ETag: `"e1"`, Generation: 3}, t0); err != nil {
		t.Fatal(err)
	}
	o := &Offline{Cache: c, MaxAge: 24 * time.Hour, Messages: io.Discard}
	o.KeepUnchanged(`"e1"`) // fetchTimeWrittenAt is zero: writes
	first := fetchedAt()
	if time.Since(first) > time.Minute {
		t.Fatalf("Offline.KeepUnchanged did not write: fetched_at %v", first)
	}
	if err := c.Save(raw, s3bundle.ObjectInfo{ETag: `"e1"`, Generation: 3}, t0); err != nil {
		t.Fatal(err)
	}
	o.KeepUnchanged(`"e1"`) // within the hour: no write
	if got := fetchedAt(); !got.Equal(t0) {
		t.Errorf("a second KeepUnchanged within MaxAge/24 wrote fetched_at %v", got)
	}
}

// Whoever can write the cache file but has not the passphrase can neither
// re-date its record nor put back an older bundle under a fresh fetch time
// (a rollback to old secrets): both are refused as tampered, at Load and
// at an offline start. The same through vsync run:
// testdata/script/run_cache.txtar.

// rewriteRecord applies edit to the record of the cache file at path,
// keeping its MAC: what a writer without the passphrase can do.
func rewriteRecord(t *testing.T, path string, edit func(*Record)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line, raw, _ := bytes.Cut(data, []byte{'\n'})
	var rec Record
	if err := json.Unmarshal(line, &rec); err != nil {
		t.Fatal(err)
	}
	edit(&rec)
	line, _ = json.Marshal(rec)
	if err := os.WriteFile(path, append(append(line, '\n'), raw...), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOfflineRecordIsAuthenticated(t *testing.T) {
	st := &s3bundle.Store{Prefix: "p", Env: "prod"}
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	old := testsupport.SealedBundle(t, "prod", 3, "pw", vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte("K=CANARY_old\n")})
	cur := testsupport.SealedBundle(t, "prod", 4, "pw", vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte("K=CANARY_new\n")})
	// msg is what the error of the offline start says: the MAC's, or the
	// bundle check's when that sees the lie first.
	wantTampered := func(t *testing.T, o *Offline, what, msg string) {
		t.Helper()
		if _, _, err := o.Load(); !errors.Is(err, ErrMAC) || !errors.Is(err, vault.ErrIntegrity) {
			t.Errorf("Load of %s: %s, want ErrMAC", what, testsupport.Redacted(fmt.Sprint(err)))
		}
		b, err := o.Start(st, []byte("pw"), unreachable, now)
		var ce *CachedBundleError
		if b != nil || !errors.As(err, &ce) || ce.Path != o.Path() || errors.Is(err, vault.ErrWrongPassphrase) ||
			!errors.Is(err, vault.ErrIntegrity) && !errors.Is(err, vault.ErrManifest) || !strings.Contains(err.Error(), msg) {
			t.Errorf("offline start from %s: %s, want a tampered *CachedBundleError", what, testsupport.Redacted(fmt.Sprint(err)))
		}
		if err != nil && strings.Contains(err.Error(), "CANARY") {
			t.Errorf("a value in the error: %q", testsupport.Redacted(err.Error()))
		}
	}

	t.Run("re-dated", func(t *testing.T) {
		o := newOffline(t, "", "pw", io.Discard)
		if err := o.Save(cur, s3bundle.ObjectInfo{Generation: 4}, now.Add(-3*time.Hour)); err != nil {
			t.Fatal(err)
		}
		rewriteRecord(t, o.Path(), func(r *Record) { r.FetchedAt = now.Add(-time.Minute) })
		wantTampered(t, o, "a re-dated record", "does not match its MAC (re-dated or replayed)")
	})
	t.Run("older bundle replayed", func(t *testing.T) {
		o := newOffline(t, "", "pw", io.Discard)
		if err := o.Save(old, s3bundle.ObjectInfo{Generation: 3}, now.Add(-48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		stale, _ := os.ReadFile(o.Path())
		if err := o.Save(cur, s3bundle.ObjectInfo{Generation: 4}, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		// The old file put back, made to look fresh.
		if err := os.WriteFile(o.Path(), stale, 0o600); err != nil {
			t.Fatal(err)
		}
		rewriteRecord(t, o.Path(), func(r *Record) { r.FetchedAt = now.Add(-time.Minute) })
		wantTampered(t, o, "an older bundle made to look fresh", "does not match its MAC (re-dated or replayed)")
		// Or the older bundle under the current record.
		if err := o.Save(cur, s3bundle.ObjectInfo{Generation: 4}, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(o.Path())
		line, _, _ := bytes.Cut(data, []byte{'\n'})
		if len(old) == len(cur) {
			if err := os.WriteFile(o.Path(), append(append(line, '\n'), old...), 0o600); err != nil {
				t.Fatal(err)
			}
			wantTampered(t, o, "an older bundle under the current record", "is labelled generation 4 but holds 3")
		}
	})
	t.Run("another generation claimed", func(t *testing.T) {
		o := newOffline(t, "", "pw", io.Discard)
		if err := o.Save(old, s3bundle.ObjectInfo{Generation: 3}, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		rewriteRecord(t, o.Path(), func(r *Record) { r.Generation = 9 })
		wantTampered(t, o, "a record claiming another generation", "is labelled generation 9 but holds 3")
	})
	// After a passphrase rotation the cache (MAC and bundle under the old
	// one) is a wrong passphrase, as before the MAC, not tampered.
	t.Run("written under another passphrase", func(t *testing.T) {
		dir := t.TempDir()
		if err := New(dir, "s3://b/p/prod", "prod", []byte("pw")).Save(cur, s3bundle.ObjectInfo{Generation: 4}, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		o := newOffline(t, dir, "rotated", io.Discard)
		_, err := o.Start(st, []byte("rotated"), unreachable, now)
		if !isCached(vault.ErrWrongPassphrase)(err) {
			t.Errorf("offline start after a rotation: %v, want a *CachedBundleError of vault.ErrWrongPassphrase", err)
		}
	})
}

// A cache file of the unauthenticated format vsync-cache-v1 is not
// trusted: no offline start from it.
func TestOfflineStartFromOldFormat(t *testing.T) {
	o := newOffline(t, "", "pw", io.Discard)
	raw := testsupport.SealedBundle(t, "prod", 2, "pw")
	now := time.Now().UTC()
	line, _ := json.Marshal(map[string]any{"format": "vsync-cache-v1", "vault": "s3://b/p/prod", "env": "prod", "generation": 2,
		"etag": `"e"`, "size": len(raw), "fetched_at": now})
	if err := os.WriteFile(o.Path(), append(append(line, '\n'), raw...), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := o.Start(&s3bundle.Store{Prefix: "p", Env: "prod"}, []byte("pw"), unreachable, now)
	var oe *OfflineError
	if !errors.As(err, &oe) || !errors.Is(err, ErrOldCache) || !strings.Contains(err.Error(), "no cached bundle") ||
		!strings.Contains(err.Error(), "(the cache file there predates authenticated records)") {
		t.Errorf("offline start from a v1 file: %v, want an *OfflineError of ErrOldCache", err)
	}
}
