// Package runtimevault finds and loads the vault a runtime command (vsync
// run, start, env) starts from, by the discovery order: a runtime token
// (VSYNC_CONFIG or VSYNC_CONFIG_FILE, with VSYNC_PASSPHRASE or
// VSYNC_PASSPHRASE_FILE), else an env of the project in the working
// directory (fetched from its profile's bucket, or its local folder with
// Local), else none: the dotenv-only mode. A vault from a bucket is read
// with one GET of current.pgp, kept in the --cache directory when there
// is one, and taken from that cache when the bucket does not answer
// (internal/bundlecache). Prepare then composes the child's environment
// (internal/childenv), writes the vault's files as its private files and
// opens the status socket beside them. For `vsync env` it lists a child's
// own environment with the sources its parent tells (ListChild) and masks
// what may be secret (Mask); for `vsync status` with a runtime token it
// finds the running generation (TokenStatus).
//
// It is a package of its own, not part of internal/childenv, because it
// does what childenv promises not to: it reads vsync's own variables
// (through Options.Getenv), reaches the network (s3bundle) and the
// operator's files (internal/workspace). childenv stays the pure rules of
// precedence that --watch applies again to each generation.
//
// It prints nothing but the notes and warnings of a load (a start from
// the cache, a cache not written) on Options.Messages, and knows no exit
// code or hint: errors are sentinel (ErrFetchTimeout, ErrNoPassphrase,
// ErrLocalNeedsEnv, ErrNothingToCheck) or typed (*EnvMismatchError, *TokenFileError,
// *TokenError, *TokenCredentialsError, *NotStartedError), besides those
// of the packages below. It may import vault, s3bundle, launcher,
// internal/workspace, internal/history, internal/bundlecache,
// internal/childenv and internal/status (the socket's name); never the
// CLI. It holds no package-level mutable state.
package runtimevault
