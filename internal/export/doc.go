// Package export writes the service definitions of `vsync export` from a
// Procfile plan: systemd units, a supervisord configuration or kubernetes
// manifests in which every process runs under "vsync run -- /bin/sh -c
// CMD", with PORT and PS as `vsync start` gives them. The runtime token
// and the passphrase are never in the files: the definitions name where
// the service manager finds them (systemd credentials, files, a Secret).
//
// Render returns the files and Write writes them into a directory (each
// through a temporary file and a rename, workspace.WriteFileAtomic); the
// package prints nothing and knows no exit code: a bad format is an error
// wrapping ErrUnknownFormat. It imports procfile, internal/workspace (the
// atomic write) and the standard library only.
package export
