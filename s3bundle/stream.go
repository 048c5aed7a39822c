package s3bundle

import (
	"context"
	"errors"
	"io"
)

// ErrSourceChanged: Streamer.Copy's source is no longer the object of the
// ETag given (another writer replaced or removed it). It is not
// ErrConflict: the condition on the copy's destination was not lost.
var ErrSourceChanged = errors.New("copy source changed")

// Streamer is a Backend that stores an object as it is produced, in parts,
// and copies one object to another key without the bytes leaving the
// backend. The S3 backend is one (multipart upload, UploadPartCopy); a
// Backend that is not (the directory, a test's wrapper) is written with
// Put. Store.CommitStream uses it for bundles of StreamMin bytes or more.
type Streamer interface {
	Backend
	// NewUpload starts storing an object at key under opts' condition and
	// generation (opts.SHA256 is ignored: each part is hashed as it is
	// sent). Nothing is visible at key before Complete succeeds.
	NewUpload(ctx context.Context, key string, opts PutOptions) (Upload, error)
	// Copy stores at key the object src.Key, as long as its ETag is still
	// src.ETag, under opts' condition (checked as Put checks it: a lost
	// one is ErrConflict and changes nothing) and generation. A source
	// whose ETag changed, or that is gone, is ErrSourceChanged (not
	// ErrConflict) and changes nothing.
	Copy(ctx context.Context, src ObjectInfo, key string, opts PutOptions) (ObjectInfo, error)
}

// Upload is an object being stored by a Streamer. Write may send what it
// was given before it returns or later; a failed send makes every later
// Write and Complete fail with its error. Exactly one of Complete and
// Abort ends an Upload (Abort after Complete does nothing).
type Upload interface {
	io.Writer
	// Complete stores what was written, atomically, if the condition of
	// NewUpload holds; otherwise (ErrConflict) or on any failure it
	// stores nothing and leaves nothing behind.
	Complete() (ObjectInfo, error)
	// Abort discards what was written and sent.
	Abort()
}

// StreamMin is the size over which Store.CommitStream streams a bundle
// into a Streamer (the part size of the S3 backend's multipart uploads):
// a bundle of up to StreamMin bytes is held in memory and Put, one request
// per object as before.
const StreamMin = partSize

// StreamMemory is about the most memory a Streamer's Upload holds at a
// time (the parts being sent and the one being filled), for a caller
// that bounds its memory (the S3 backend's; a Streamer may hold less).
const StreamMemory = (uploadWorkers + 1) * partSize
