// Package s3bundle stores encrypted bundles: a small Backend interface with an
// S3 implementation and a local-directory one, and the push/pull protocol on
// top of it (the normative bucket layout of docs/format.md). It treats bundles as
// opaque bytes and knows no cryptography.
//
// Layout, relative to the backend root (bucket or directory):
//
//	<prefix>/<env>/current.pgp                 latest generation, full copy
//	<prefix>/<env>/generations/0000000042.pgp  immutable history
//
// Every object carries the generation it holds as user metadata
// "vsync-generation".
//
// It prints nothing and knows no exit code: errors are sentinel
// (ErrNotExist, ErrConflict, ErrAccessDenied, ErrNoBucket, ErrUnreachable,
// ErrNoCredentials, ...) or typed (*NoDirError, *SizeError). It imports the
// AWS SDK for Go v2 and the standard library, nothing of vsync (no crypto,
// no operator's file), and holds no package-level mutable state.
package s3bundle

import (
	"context"
	"errors"
	"io"
)

// Sentinel errors of the Backend contract, matched with errors.Is.
var (
	// ErrNotExist: the key (or the bucket/directory) does not exist.
	ErrNotExist = errors.New("object does not exist")
	// ErrConflict: a conditional write lost (If-None-Match found the key,
	// or If-Match found another ETag).
	ErrConflict = errors.New("conflicting write")
	// ErrAccessDenied: the credentials were refused (HTTP 403/401).
	ErrAccessDenied = errors.New("access denied")
	// ErrNoBucket: the bucket (or the directory root) does not exist.
	ErrNoBucket = errors.New("bucket does not exist")
	// ErrNoCredentials: the standard AWS credential chain found no
	// credentials (no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, no shared
	// credentials or profile, no role), so no request was sent.
	ErrNoCredentials = errors.New("no AWS credentials found")
	// ErrUnreachable: the endpoint did not answer after bounded retries.
	ErrUnreachable = errors.New("storage endpoint unreachable")
	// ErrNotModified: a conditional read found the object unchanged (its
	// ETag is the one given), so no body was transferred.
	ErrNotModified = errors.New("object not modified")
)

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key        string
	ETag       string // opaque; compare only for equality, pass to PutOptions.IfMatch
	Size       int64
	Generation uint64 // from metadata "vsync-generation"; 0 when absent
}

// PutOptions makes a Put conditional. At most one of IfNoneMatch/IfMatch.
type PutOptions struct {
	IfNoneMatch bool   // create only: ErrConflict if the key exists
	IfMatch     string // replace only this ETag: ErrConflict otherwise (or if missing)
	Generation  uint64 // stored as metadata "vsync-generation"
	// SHA256, when not empty, is the hex SHA-256 of the data, known to
	// the caller: the S3 backend signs it as the payload's hash instead
	// of hashing the data again (the server still checks it against the
	// body). Other backends ignore it.
	SHA256 string
}

// Backend is where bundles live. Keys are slash-separated and relative to the
// root. Implementations are safe for concurrent use, also from several
// processes: conditional puts are atomic with respect to each other.
type Backend interface {
	// Head returns the object's info, or ErrNotExist.
	Head(ctx context.Context, key string) (ObjectInfo, error)
	// Get opens the object for reading, or returns ErrNotExist. The caller
	// closes the reader. ObjectInfo.Size is the full length when known.
	Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
	// GetIfNoneMatch is Get, made conditional on the ETag (HTTP
	// If-None-Match): when the object's ETag is etag it returns
	// ErrNotModified and no reader, after one request that transfers no
	// body. An empty etag makes it a plain Get. A missing key is
	// ErrNotExist, whatever etag.
	GetIfNoneMatch(ctx context.Context, key, etag string) (io.ReadCloser, ObjectInfo, error)
	// Put stores data at key, atomically: readers see the old object or the
	// new one, never a part. With a condition that fails it returns
	// ErrConflict and changes nothing.
	Put(ctx context.Context, key string, data []byte, opts PutOptions) (ObjectInfo, error)
	// List returns the keys that start with prefix, sorted.
	List(ctx context.Context, prefix string) ([]string, error)
	// String names the backend for messages ("s3://bucket", "dir:/path").
	String() string
}

// InfoLister is a Backend whose listing also gives each object's ETag and
// size (S3's LIST does, in the same request). Generation may be 0 in the
// ObjectInfos it returns: S3's LIST does not return metadata.
type InfoLister interface {
	// ListInfo is List with each key's ObjectInfo, sorted by key.
	ListInfo(ctx context.Context, prefix string) ([]ObjectInfo, error)
}
