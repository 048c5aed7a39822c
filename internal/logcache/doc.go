// Package logcache keeps what `vsync log` worked out of each generation
// of an env (history.Entry: number, parent, time, author, note, the files
// and key names that changed; never a value, never a file's digest) in a
// file of the user's cache directory, so that a log of a long history
// reads only the generations it has not shown before (history.LogCache).
//
// Entries are kept under the ETag and size the bucket's listing gives
// for the generation's object and its parent's: generation objects are
// written once, so such an entry describes those bytes again. The file
// is authenticated with a key derived from the env's passphrase salted
// with a random key kept in the user's configuration directory
// (workspace.Home.LogCacheKey), so that whoever can write the cache but
// has not both cannot plant an entry, and whoever copies the cache alone
// cannot test guesses of the passphrase with it: a file that does not
// authenticate is not used (ErrTampered) and is replaced by the next log.
//
// It prints nothing and knows no exit code: errors are sentinel
// (ErrTampered; bundlecache.ErrUnsafeDir for a directory that is not the
// user's). It may import internal/history (the entries),
// internal/bundlecache (its check of a private directory) and
// internal/workspace (its atomic write), nothing else of vsync; it holds
// no package-level mutable state.
package logcache
