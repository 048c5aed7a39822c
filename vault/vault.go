// Package vault is the vsync bundle: the deterministic tar payload with its
// manifest, the OpenPGP passphrase encryption around it, and the dotenv
// parser. It knows no network and starts no processes.
//
// A bundle on the wire is an OpenPGP message (RFC 4880): exactly one SKESK v4
// packet (AES-256, SHA-256 S2K) followed by a SEIPDv1 packet with MDC, whose
// literal data is the payload tar. The payload's first entry is
// ".vsync/manifest.json"; the remaining entries are the env's files, sorted,
// with uid/gid 0 and a fixed mtime, so the same files and manifest always give
// the same bytes.
//
// It prints nothing and knows no exit code: errors are sentinel
// (ErrWrongPassphrase, ErrIntegrity, ErrManifest, ErrUnsafePath) or typed
// (*SyntaxError, *SizeError). It imports the standard library and
// github.com/ProtonMail/go-crypto only, nothing of vsync, and holds no
// package-level mutable state.
package vault

import (
	"errors"
	"io/fs"
	"time"
)

// ManifestPath is the path of the manifest inside the payload tar. It is
// always the first entry.
const ManifestPath = ".vsync/manifest.json"

// FormatVersion is the manifest format this package writes and reads.
const FormatVersion = 1

// DefaultS2KCount is the iterated-S2K count for passphrases a person chose.
const DefaultS2KCount = 16777216

// Sentinel errors, matched by callers with errors.Is. Their messages never
// contain a secret value.
var (
	// ErrWrongPassphrase: the passphrase does not decrypt the session key.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrIntegrity: the message was tampered with or truncated (bad MDC,
	// bad packet structure, unexpected EOF).
	ErrIntegrity = errors.New("bundle failed its integrity check (tampered or truncated)")
	// ErrUnsafePath: a tar entry is absolute, contains "..", is a link or
	// another non-regular file, or is duplicated.
	ErrUnsafePath = errors.New("unsafe path in bundle")
	// ErrManifest: the manifest is missing, malformed, or does not match the
	// files in the payload.
	ErrManifest = errors.New("bundle manifest does not match its contents")
)

// File is one file of an env, at a slash-separated path relative to
// infra/vault/<env>/.
type File struct {
	Path string
	Mode fs.FileMode // permission bits only (0600, 0644, 0755 ...)
	Data []byte
}

// FileEntry is a file's line in the manifest.
type FileEntry struct {
	Path   string      `json:"path"`
	Mode   fs.FileMode `json:"mode"`
	Size   int64       `json:"size"`
	SHA256 string      `json:"sha256"` // lower-case hex
}

// Manifest is the first entry of every payload.
type Manifest struct {
	Format       int         `json:"format"`
	Env          string      `json:"env"`
	Generation   uint64      `json:"generation"`
	Parent       uint64      `json:"parent"`                  // 0 for the first generation
	ParentSHA256 string      `json:"parent_sha256,omitempty"` // hex SHA-256 of the parent's payload
	Created      time.Time   `json:"created"`
	Author       string      `json:"author"`
	Note         string      `json:"note"`
	Files        []FileEntry `json:"files"` // sorted by Path
}

// Bundle is a decoded payload: its manifest and its files, sorted by Path.
type Bundle struct {
	Manifest Manifest
	Files    []File
}

// DotenvPath is the path, in env's bundle and folder, of the env's dotenv
// file: ".env.ENV" at the top.
func DotenvPath(env string) string { return ".env." + env }
