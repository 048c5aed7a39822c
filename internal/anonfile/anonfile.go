// Package anonfile makes anonymous files: files with no name (O_TMPFILE)
// in the directory they will live in, that get a name only when the caller
// links them. Until then nothing can open one through the filesystem, and
// the kernel frees it when it is closed or the process dies: what vault
// and launcher write while a bundle is decrypted, before its MDC matched,
// is never left named on disk.
//
// It imports nothing of vsync.
package anonfile

import "errors"

// ErrUnsupported is the error of Open and OpenAt where the filesystem or
// the system has no anonymous files, or there is no /proc to link them
// through: the caller then writes its file whole, once it is trusted.
var ErrUnsupported = errors.New("no anonymous files")
