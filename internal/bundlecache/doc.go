// Package bundlecache keeps one still-encrypted bundle per vault in a
// directory of the user's (vsync's --cache), under a record authenticated
// with a key derived from the env's passphrase, and holds the max-age rule
// by which an offline start may use it (CheckAge).
//
// It decrypts nothing: the caller verifies a bundle before Save and after
// Load, as it does a fetched one. It prints nothing and knows no exit code
// or hint: errors are sentinel (ErrUnsafeDir, ErrNoCache, ErrOldCache,
// ErrMAC; vault.ErrIntegrity and vault.ErrManifest for a file that is not
// what vsync wrote) or typed (*AgeError). It may import vault (its
// sentinels) and s3bundle (ObjectInfo), and internal/workspace for its
// atomic write, nothing else of vsync; it holds no package-level mutable
// state, and a Cache holds no open file.
package bundlecache
