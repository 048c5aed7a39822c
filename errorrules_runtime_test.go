package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"vsync/internal/bundlecache"
	"vsync/internal/childenv"
	"vsync/internal/runtimevault"
	"vsync/s3bundle"
	"vsync/vault"
)

// The errors of an offline start (bundlecache.Offline.Start) get the exit
// codes and hints that the CLI documents: 69 when the cache cannot serve,
// the code of what is wrong with a cache file that does not open, and
// its hint.
func TestCacheErrorRules(t *testing.T) {
	cause := fmt.Errorf("GET: %w", s3bundle.ErrUnreachable)
	path := "/c/prod-x.vcache"
	for _, tc := range []struct {
		name string
		err  error
		code int
		hint string
	}{
		{"no cache", &bundlecache.OfflineError{Cause: cause, Err: bundlecache.ErrOldCache}, exitUnreachable, "the cache is written by a start that reaches the bucket"},
		{"too old", &bundlecache.OfflineError{Cause: cause, Err: &bundlecache.AgeError{}}, exitUnreachable, "start once with the bucket reachable to refresh the cache"},
		{"unreadable", &bundlecache.OfflineError{Cause: cause, Err: fs.ErrPermission}, exitUnreachable, "check the profile's endpoint and the network"},
		{"another passphrase", &bundlecache.CachedBundleError{Path: path, Err: fmt.Errorf("x: %w", vault.ErrWrongPassphrase)}, exitPassphrase, "a cache written before a passphrase rotation"},
		{"re-dated", &bundlecache.CachedBundleError{Path: path, Err: bundlecache.ErrMAC}, exitTampered, fmt.Sprintf("remove %q", path)},
		{"bad manifest", &bundlecache.CachedBundleError{Path: path, Err: vault.ErrManifest}, exitTampered, "nothing was started; the cache file is damaged"},
	} {
		if got := exitCode(tc.err); got != tc.code {
			t.Errorf("%s: exit %d, want %d", tc.name, got, tc.code)
		}
		if got := hintFor(tc.err); !strings.Contains(got, tc.hint) {
			t.Errorf("%s: hint %q, want %q", tc.name, got, tc.hint)
		}
	}
	if errors.Is(&bundlecache.OfflineError{Cause: cause, Err: bundlecache.ErrNoCache}, s3bundle.ErrUnreachable) != true {
		t.Error("an *OfflineError does not match its cause")
	}
}

// The errors of finding and loading the vault (runtimevault) get the exit
// codes and hints package main gave them before they moved.
func TestRuntimeErrorRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code int
		hint string
	}{
		{"local without env", runtimevault.ErrLocalNeedsEnv, exitUsage, `see "vsync --help"`},
		{"env mismatch", &runtimevault.EnvMismatchError{Env: "a", TokenEnv: "b"}, exitUsage, `see "vsync --help"`},
		{"no passphrase", runtimevault.ErrNoPassphrase, exitConfig, "set VSYNC_PASSPHRASE or VSYNC_PASSPHRASE_FILE to the env's passphrase"},
		{"token file", &runtimevault.TokenFileError{Err: fs.ErrNotExist}, exitNotFound, ""},
		{"bad token", &runtimevault.TokenError{Var: "VSYNC_CONFIG", Err: s3bundle.ErrToken}, exitDataErr, `mint a token with "vsync runtime-token --env ENV"`},
		{"token without keys", &runtimevault.TokenCredentialsError{Env: "prod", Err: s3bundle.ErrNoCredentials}, exitConfig, "vsync runtime-token --env prod --access-key K"},
		{"fetch timeout", fmt.Errorf("x: %w %w", context.DeadlineExceeded, runtimevault.ErrFetchTimeout), exitUnreachable, "the vault did not answer within --fetch-timeout"},
		{"not startable", &runtimevault.NotStartedError{Err: childenv.ErrNotStartable}, exitDataErr, "nothing was started; rename or move the files named"},
	} {
		if got := exitCode(tc.err); got != tc.code {
			t.Errorf("%s: exit %d, want %d", tc.name, got, tc.code)
		}
		if got := hintFor(tc.err); !strings.Contains(got, tc.hint) || tc.hint == "" && got != "" {
			t.Errorf("%s: hint %q, want %q", tc.name, got, tc.hint)
		}
	}
}
