// Package status tells whether the generation an app runs with is fresh,
// stale, rotated or unknown: the comparison of a generation with the
// bucket's current.pgp (one HEAD, no decryption, unless a passphrase is at
// hand to tell a rotation apart), the status socket a running vsync serves
// (Server) and its client (Ask), and where `vsync status` finds the
// generation running (OfFolder, OfToken).
//
// A Report never holds a secret: its Reason says why the bucket did not
// answer, never what a credential or a value is; an Answer gives the
// running child's variables by key and source, never their values, and
// the vault's identity as a hash, never its location.
//
// It returns typed errors (*NotRunningError) and knows no exit code, hint
// or CLI. It may import s3bundle (the HEAD and GET of current.pgp), vault
// (opening it with a passphrase), internal/memlimit, internal/childenv
// (the child's variables) and internal/workspace (a local folder's
// generation), never package main; it reads no environment
// variable and holds no package-level mutable state.
package status
