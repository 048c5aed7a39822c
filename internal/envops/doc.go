// Package envops is the operator's workflows on one env of a project:
// init (checking a passphrase against the generations already there),
// push, pull, diff and rotate-passphrase. Each joins the operator's
// local files (internal/workspace: the env's folder, its local state,
// the passphrase store) to the env's generations on its Store
// (internal/history), which may not import each other, and checks with
// internal/childenv that a bundle is one vsync run can start from.
//
// It never prints: each workflow returns what the CLI reports (a result
// struct) and the sentinel and typed errors of the packages it calls,
// wrapped with context, which the CLI maps to exit codes and hints. It
// takes an Env the CLI opened (workspace.Home.OpenEnv) and reads no
// environment variable of its own; what the operator or the tests decide
// (the note, the author, the S2K count, the new passphrase, the
// rotation's progress callbacks) comes in options.
//
// It may import internal/workspace, internal/history, internal/childenv,
// vault and the standard library, never the CLI, s3bundle, launcher or
// the other internal packages.
package envops
