// Package bundlecache keeps one still-encrypted bundle per vault in a
// directory of the user's (vsync's --cache), under a record authenticated
// with a key derived from the env's passphrase, and holds the max-age rule
// by which an offline start may use it (CheckAge).
//
// A Cache decrypts nothing: the caller verifies a bundle before Save and
// after Load, as it does a fetched one. Offline is the cache as a runtime
// uses it: it keeps each bundle fetched, and starts from the cached one,
// verified through internal/history, when the bucket does not answer
// (BucketDidNotAnswer) and it is young enough (CheckAge).
//
// It prints nothing but the lines of an Offline, on the writer it is
// given, and knows no exit code or hint: errors are sentinel
// (ErrUnsafeDir, ErrNoCache, ErrOldCache, ErrMAC; vault.ErrIntegrity and
// vault.ErrManifest for a file that is not what vsync wrote) or typed
// (*AgeError, *OfflineError, *CachedBundleError). It may import vault,
// s3bundle, internal/history (the check of a cached bundle) and
// internal/workspace (its atomic write), nothing else of vsync; it holds
// no package-level mutable state, and a Cache holds no open file.
package bundlecache
