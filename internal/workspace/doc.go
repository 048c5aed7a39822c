// Package workspace is the operator's local files: the project file
// (vsync.toml) found by walking up from a directory, the profiles
// (profiles.toml) and the passphrase store (with a rotation's pending
// entry) in the configuration directory, an env's folder
// (infra/vault/ENV), its local state (infra/vault/.vsync/ENV.json), and
// the atomic replacement of the folder by a pull (Project.ReplaceEnvFolder)
// with its staging directories.
//
// It makes no network request: Home.OpenEnv builds an
// s3bundle.Backend and Store from a profile without a round trip. It
// prints nothing; errors are sentinel (ErrConfig, ErrNoProject, ...) or
// typed (*NotRecordedError, ...) for the CLI to map to exit codes and
// hints. The environment is read only through Home.Getenv (the
// configuration directory, VSYNC_PASSPHRASE, VSYNC_PASSPHRASE_FILE, and
// VSYNC_AUTHOR and USER for Home.Author, which may run "git config" with
// the environment it is given).
//
// It may import vault and s3bundle, never the CLI, launcher or the other
// internal packages.
package workspace
