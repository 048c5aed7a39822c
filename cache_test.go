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

	"vsync/internal/bundlecache"
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
		return &offlineCache{Cache: bundlecache.New(t.TempDir(), "s3://b/p/prod", "prod", []byte("pw")), maxAge: time.Hour, stderr: stderr}
	}

	t.Run("within age", func(t *testing.T) {
		var stderr bytes.Buffer
		oc := newCache(t, &stderr)
		if err := oc.Save(raw, s3bundle.ObjectInfo{Generation: 5}, now.Add(-59*time.Minute)); err != nil {
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
			if err := oc.Save(raw, s3bundle.ObjectInfo{Generation: 5}, now.Add(-tc.fetched)); err != nil {
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

// offlineCache.confirm writes the cache file's fetch time at most once
// per maxAge/24.
func TestOfflineCacheConfirmThrottle(t *testing.T) {
	c := bundlecache.New(filepath.Join(t.TempDir(), "cache"), "s3://b/p/prod", "prod", []byte("pw"))
	raw := sealedBundle(t, "prod", 3, "pw", vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte("K=v\n")})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fetchedAt := func() time.Time {
		t.Helper()
		_, rec, err := c.Load()
		if err != nil {
			t.Fatal(err)
		}
		return rec.FetchedAt // the bundle and the rest: TestBundleCacheConfirm
	}
	if err := c.Save(raw, s3bundle.ObjectInfo{ETag: `"e1"`, Generation: 3}, t0); err != nil {
		t.Fatal(err)
	}
	oc := &offlineCache{Cache: c, maxAge: 24 * time.Hour, stderr: io.Discard}
	oc.confirm(`"e1"`) // confirmedAt is zero: writes
	first := fetchedAt()
	if time.Since(first) > time.Minute {
		t.Fatalf("offlineCache.confirm did not write: fetched_at %v", first)
	}
	if err := c.Save(raw, s3bundle.ObjectInfo{ETag: `"e1"`, Generation: 3}, t0); err != nil {
		t.Fatal(err)
	}
	oc.confirm(`"e1"`) // within the hour: no write
	if got := fetchedAt(); !got.Equal(t0) {
		t.Errorf("a second confirm within maxAge/24 wrote fetched_at %v", got)
	}
}
