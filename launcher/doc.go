// Package launcher starts and supervises the processes vsync runs: it gives
// a child an exact environment, resolves its command against the child's own
// PATH (never through a shell), forwards signals, stays the parent until the
// whole process tree is gone, reaps zombies as tini does when vsync is PID 1
// or a child subreaper, hands the terminal to the child when stdin is one,
// and keeps private files in a 0700 directory that is removed on exit (and
// by the next vsync when the previous one was killed).
//
// The package knows nothing of S3 or OpenPGP and holds no package-level
// mutable state: a Run call owns its child, a PrivateDir owns its files.
// It knows no exit code of vsync's (ErrNotFound, ErrNotExecutable and
// ErrArgsTooLarge are for the CLI to map) and imports golang.org/x/sys and
// golang.org/x/term, nothing of vsync.
package launcher
