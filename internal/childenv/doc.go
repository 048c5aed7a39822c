// Package childenv composes the environment of a child of vsync by the
// precedence rules (--default, the process environment, -e dotenv files,
// the vault's dotenv, vsync's own variables; VSYNC_CONFIG* and
// VSYNC_PASSPHRASE* never reach the child), checks that a bundle is one a
// child can be started from (CheckStartable), and writes the vault's other
// files as the child's private files, each pointed at by its NAME_FILE
// variable.
//
// It returns sentinel and typed errors (ErrNotStartable, ErrBadDefault,
// ErrBadFileEnv, ErrNoVaultFile, *ArgsTooLargeError) and knows no exit
// code, hint or CLI. It may import vault (the dotenv grammar) and launcher
// (private directories, NAME_FILE names), never s3bundle, the network or
// package main; it reads no environment variable of vsync's own (the
// process environment is a parameter) and holds no package-level mutable
// state.
package childenv
