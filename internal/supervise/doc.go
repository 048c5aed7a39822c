// Package supervise runs what vsync supervises (the child of `vsync run`,
// the processes of `vsync start`) once, or under --watch: a poller asks the
// bucket for a newer current.pgp at jittered intervals and verifies each
// new generation in full; the watch loop then replaces the changed private
// files in place and sends the reload signal, or restarts the child into a
// fresh private directory, or refuses the generation and keeps the last
// good one. Meanwhile the status socket answers with the generation
// applied and, for a stale one, the newest generation refused.
//
// It runs what runtimevault.Prepare made (the environment, the private
// files, the status socket and the vault with its bucket, passphrase and
// --cache) and takes the rest explicitly: the options, the poll timeout,
// where to say what happens, and how to run one incarnation
// (Incarnation). Each event is one line on Config.Stderr, naming
// generations, never values.
//
// What runs is an Incarnation: Child, the command of `vsync run`, or
// Formation, the processes of `vsync start` (the instances of a Procfile
// plan with their ports, their argv, their multiplexed output).
//
// It returns sentinel and typed errors (ErrNotWatchable,
// ErrReloadNeedsWatch, *IntervalError, *ReloadSignalError,
// ErrNothingToStart, *NotDirError, *CommandError) and knows no exit code,
// hint or CLI. It may import runtimevault, childenv, history, status,
// launcher, procfile, s3bundle and vault, never package main or
// urfave/cli; it reads no environment variable and holds no package-level
// mutable state.
package supervise
