package main

import (
	"bytes"
	"context"
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

// sealedBundle is a real bundle of env at generation gen, encrypted under
// pass, as a push would store it.
func sealedBundle(t *testing.T, env string, gen uint64, pass string, files ...vault.File) []byte {
	t.Helper()
	m := vault.NewManifest(vault.Manifest{Env: env, Generation: gen, Parent: gen - 1, Created: time.Unix(1700000000, 0).UTC(), Author: "t", Note: "n"}, files)
	raw, _, err := vault.Seal(&vault.Bundle{Manifest: m, Files: files}, []byte(pass), vault.SealOptions{S2KCount: 1024})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestBundleCacheSaveLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	c := newBundleCache(dir, "s3://b/p/prod at http://127.0.0.1:1", "prod", []byte("pw"))
	if _, _, err := c.Load(); !errors.Is(err, errNoCache) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load of an empty cache: %v, want errNoCache", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load created the directory: %v", err)
	}
	raw := sealedBundle(t, "prod", 7, "pw", vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte("K=CANARY_cache\n")})
	fetched := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := c.save(raw, s3bundle.ObjectInfo{ETag: `"etag-7"`, Generation: 7}, fetched); err != nil {
		t.Fatal(err)
	}
	got, rec, err := c.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, raw) {
		t.Fatal("Load did not return the bundle exactly as saved")
	}
	want := cacheRecord{Format: cacheFormat, Vault: c.vault, Env: "prod", Generation: 7, ETag: `"etag-7"`, Size: int64(len(raw)), FetchedAt: fetched}
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
	caches := []*bundleCache{
		newBundleCache(dir, "s3://b/p/prod", "prod", []byte("pw")),
		newBundleCache(dir, "s3://b/p/staging", "staging", []byte("pw")),
		newBundleCache(dir, "s3://other/p/prod", "prod", []byte("pw")),
		newBundleCache(dir, "s3://b/p/prod at http://127.0.0.1:9000", "prod", []byte("pw")),
		newBundleCache(dir, "s3://b/q/prod", "prod", []byte("pw")),
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
	raw := sealedBundle(t, "prod", 1, "pw")
	if err := caches[2].Save(raw, s3bundle.ObjectInfo{Generation: 1}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(caches[2].Path())
	if err := os.WriteFile(caches[0].Path(), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := caches[0].Load(); !errors.Is(err, vault.ErrManifest) || exitCode(err) != exitTampered {
		t.Fatalf("Load of another vault's file: %v (exit %d), want ErrManifest (68)", err, exitCode(err))
	}
}

// A damaged record or a bundle of another size is refused like a tampered
// bundle (68), before anything is decrypted.
func TestBundleCacheLoadRefuses(t *testing.T) {
	raw := sealedBundle(t, "prod", 3, "pw")
	for name, damage := range map[string]func([]byte) []byte{
		"no newline":      func(b []byte) []byte { return bytes.ReplaceAll(b, []byte{'\n'}, nil)[:40] },
		"not json":        func(b []byte) []byte { return append([]byte("garbage\n"), raw...) },
		"other format":    func(b []byte) []byte { return bytes.Replace(b, []byte(cacheFormat), []byte("vsync-cache-v9"), 1) },
		"truncated":       func(b []byte) []byte { return b[:len(b)-1] },
		"appended":        func(b []byte) []byte { return append(b, 0) },
		"other env":       func(b []byte) []byte { return bytes.Replace(b, []byte(`"env":"prod"`), []byte(`"env":"prud"`), 1) },
		"no generation":   func(b []byte) []byte { return bytes.Replace(b, []byte(`"generation":3`), []byte(`"generation":0`), 1) },
		"empty file":      func(b []byte) []byte { return nil },
		"no fetched time": func(b []byte) []byte { return bytes.Replace(b, []byte(`"fetched_at"`), []byte(`"fetched_no"`), 1) },
	} {
		t.Run(name, func(t *testing.T) {
			c := newBundleCache(t.TempDir(), "s3://b/p/prod", "prod", []byte("pw"))
			if err := c.Save(raw, s3bundle.ObjectInfo{Generation: 3}); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(c.Path())
			if err := os.WriteFile(c.Path(), damage(data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := c.Load()
			if exitCode(err) != exitTampered {
				t.Fatalf("Load: %v (exit %d), want exit 68", err, exitCode(err))
			}
		})
	}
}

// The fallback: within the age the cached bundle is decrypted and verified
// and said on stderr; past it, with no cache, or with a damaged one it is
// refused with the documented code, and no value is ever printed.
func TestOfflineCacheStart(t *testing.T) {
	st := &s3bundle.Store{Backend: nil, Prefix: "p", Env: "prod"}
	cause := withCode(errors.New("GET s3://b/p/prod/current.pgp: "+s3bundle.ErrUnreachable.Error()), exitUnreachable, "")
	raw := sealedBundle(t, "prod", 5, "pw",
		vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte("K=CANARY_cache\n")},
		vault.File{Path: "sa.json", Mode: 0o600, Data: []byte("CANARY_file")})
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	newCache := func(t *testing.T, stderr io.Writer) *offlineCache {
		return &offlineCache{bundleCache: newBundleCache(t.TempDir(), "s3://b/p/prod", "prod", []byte("pw")), maxAge: time.Hour, stderr: stderr}
	}

	t.Run("within age", func(t *testing.T) {
		var stderr bytes.Buffer
		oc := newCache(t, &stderr)
		if err := oc.save(raw, s3bundle.ObjectInfo{Generation: 5}, now.Add(-59*time.Minute)); err != nil {
			t.Fatal(err)
		}
		lv, err := oc.start(st, []byte("pw"), cause, now)
		if err != nil {
			t.Fatal(err)
		}
		if lv.Generation != 5 || string(lv.Dotenv) != "K=CANARY_cache\n" || len(lv.Files) != 1 {
			t.Fatalf("loaded generation %d, %d files", lv.Generation, len(lv.Files))
		}
		if got := stderr.String(); !strings.Contains(got, "starting from cached generation 5 fetched 59m0s ago") || strings.Count(got, "\n") != 1 {
			t.Errorf("stderr %q", got)
		}
	})
	for _, tc := range []struct {
		name    string
		fetched time.Duration // before now
		pass    string
		damage  int // offset from the end of the file to flip, 0 for none
		code    int
		msg     string
	}{
		{"past age", 61 * time.Minute, "pw", 0, exitUnreachable, "fetched 1h1m0s ago, more than --cache-max-age 1h0m0s"},
		{"future", -2 * time.Hour, "pw", 0, exitUnreachable, "in the future"},
		{"wrong passphrase", time.Minute, "other", 0, exitPassphrase, "cached current.pgp"},
		{"flipped byte", time.Minute, "pw", 10, exitTampered, "cached current.pgp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			oc := newCache(t, &stderr)
			if err := oc.save(raw, s3bundle.ObjectInfo{Generation: 5}, now.Add(-tc.fetched)); err != nil {
				t.Fatal(err)
			}
			if tc.damage != 0 {
				data, _ := os.ReadFile(oc.Path())
				data[len(data)-tc.damage] ^= 0xff
				os.WriteFile(oc.Path(), data, 0o600)
			}
			lv, err := oc.start(st, []byte(tc.pass), cause, now)
			if err == nil || lv != nil {
				t.Fatalf("start gave generation %v, want an error", lv)
			}
			if exitCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q (exit %d), want exit %d and %q", redacted(err.Error()), exitCode(err), tc.code, tc.msg)
			}
			if stderr.Len() != 0 || strings.Contains(err.Error()+hintFor(err), "CANARY") {
				t.Errorf("stderr %q, error %q", redacted(stderr.String()), redacted(err.Error()+hintFor(err)))
			}
		})
	}
	t.Run("no cache", func(t *testing.T) {
		oc := newCache(t, io.Discard)
		_, err := oc.start(st, []byte("pw"), cause, now)
		if exitCode(err) != exitUnreachable || !strings.Contains(err.Error(), "no cached bundle") {
			t.Errorf("error %q (exit %d), want 69", err, exitCode(err))
		}
	})
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
		{withCode(fmt.Errorf("get: %w", context.DeadlineExceeded), exitUnreachable, ""), true},
		{fmt.Errorf("get: %w", s3bundle.ErrAccessDenied), false},
		{fmt.Errorf("get: %w", s3bundle.ErrNoBucket), false},
		{fmt.Errorf("get: %w", s3bundle.ErrNotExist), false},
		{fmt.Errorf("open: %w", vault.ErrWrongPassphrase), false},
		{fmt.Errorf("open: %w", vault.ErrIntegrity), false},
		{fmt.Errorf("open: %w", vault.ErrManifest), false},
		{context.Canceled, false},
	} {
		if got := bucketDidNotAnswer(tc.err); got != tc.want {
			t.Errorf("bucketDidNotAnswer(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// cutBackend serves one object whose body stops after cut bytes with err
// (io.EOF: a stored object that is short).
type cutBackend struct {
	s3bundle.Backend // nil: only Get and String are called
	data             []byte
	cut              int
	err              error
}

func (b cutBackend) Get(context.Context, string) (io.ReadCloser, s3bundle.ObjectInfo, error) {
	r := io.MultiReader(bytes.NewReader(b.data[:b.cut]), errReader{b.err})
	return io.NopCloser(r), s3bundle.ObjectInfo{Size: int64(len(b.data))}, nil
}

func (cutBackend) String() string { return "test:" }

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// A body that stops arriving is the bucket not answering (69, and the
// cache may serve); a stored bundle that is short is tampered (68).
func TestFetchCurrentCutBody(t *testing.T) {
	raw := sealedBundle(t, "prod", 1, "pw", vault.File{Path: ".env.prod", Mode: 0o600, Data: bytes.Repeat([]byte("K=V\n"), 4096)})
	for _, tc := range []struct {
		err      error
		code     int
		fallback bool
	}{
		{io.EOF, exitTampered, false},
		{io.ErrUnexpectedEOF, exitUnreachable, true},
		{context.DeadlineExceeded, exitUnreachable, true},
		{errors.New("read tcp: connection reset by peer"), exitUnreachable, true},
	} {
		for _, keep := range []bool{false, true} {
			st := &s3bundle.Store{Backend: cutBackend{data: raw, cut: len(raw) / 2, err: tc.err}, Env: "prod"}
			_, _, _, err := fetchCurrent(context.Background(), st, []byte("pw"), keep)
			if exitCode(err) != tc.code || bucketDidNotAnswer(err) != tc.fallback {
				t.Errorf("body cut with %v (keep %v): %v (exit %d), want exit %d", tc.err, keep, err, exitCode(err), tc.code)
			}
		}
	}
	st := &s3bundle.Store{Backend: cutBackend{data: raw, cut: len(raw), err: io.EOF}, Env: "prod"}
	b, got, _, err := fetchCurrent(context.Background(), st, []byte("pw"), true)
	if err != nil || b.Manifest.Generation != 1 || !bytes.Equal(got, raw) {
		t.Fatalf("whole body: %v, kept %d of %d bytes", err, len(got), len(raw))
	}
}

// A poll answered "not modified" moves the cached bundle's fetch time
// forward, for the same ETag only; the bundle stays byte for byte.
func TestBundleCacheConfirm(t *testing.T) {
	c := newBundleCache(filepath.Join(t.TempDir(), "cache"), "s3://b/p/prod", "prod", []byte("pw"))
	if err := c.confirm(`"e1"`, time.Now()); err != nil {
		t.Fatalf("confirm of an empty cache: %v", err)
	}
	if _, err := os.Stat(c.dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("confirm of an empty cache wrote something: %v", err)
	}
	raw := sealedBundle(t, "prod", 3, "pw", vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte("K=v\n")})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := c.save(raw, s3bundle.ObjectInfo{ETag: `"e1"`, Generation: 3}, t0); err != nil {
		t.Fatal(err)
	}
	fetchedAt := func() time.Time {
		t.Helper()
		got, rec, err := c.Load()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, raw) || rec.ETag != `"e1"` || rec.Generation != 3 {
			t.Fatalf("confirm changed the bundle or its record: %+v", rec)
		}
		return rec.FetchedAt
	}
	t1 := t0.Add(30 * time.Hour)
	if err := c.confirm(`"e1"`, t1); err != nil {
		t.Fatal(err)
	}
	if got := fetchedAt(); !got.Equal(t1) {
		t.Errorf("fetched_at %v after confirm, want %v", got, t1)
	}
	for _, other := range []string{`"e2"`, ""} {
		if err := c.confirm(other, t1.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got := fetchedAt(); !got.Equal(t1) {
			t.Errorf("confirm(%q) of another ETag moved fetched_at to %v", other, got)
		}
	}

	// offlineCache.confirm writes at most once per maxAge/24.
	oc := &offlineCache{bundleCache: c, maxAge: 24 * time.Hour, stderr: io.Discard}
	oc.confirm(`"e1"`) // confirmedAt is zero: writes
	first := fetchedAt()
	if time.Since(first) > time.Minute {
		t.Fatalf("offlineCache.confirm did not write: fetched_at %v", first)
	}
	if err := c.save(raw, s3bundle.ObjectInfo{ETag: `"e1"`, Generation: 3}, t0); err != nil {
		t.Fatal(err)
	}
	oc.confirm(`"e1"`) // within the hour: no write
	if got := fetchedAt(); !got.Equal(t0) {
		t.Errorf("a second confirm within maxAge/24 wrote fetched_at %v", got)
	}
}
