// Package history is the numbered generations of one env on an
// s3bundle.Store: fetch a generation and check it (integrity, manifest,
// env, number), seal a new one, walk the history for log and verify (the
// parent hash chain), compare two versions of an env's files, and rewrap
// every object under a new passphrase (rotation).
//
// It never prints and knows neither exit codes nor hints: it returns the
// errors of s3bundle and vault wrapped with context, and its own sentinel
// and typed errors (ErrNothingPushed, ErrChain, *EnvError ...), which the
// CLI maps to exit codes and hints. It reads no environment variable and
// no local file of the operator's: the Store, the passphrase and the S2K
// options come from the caller.
//
// It may import vault, s3bundle, internal/memlimit and the standard
// library.
package history
