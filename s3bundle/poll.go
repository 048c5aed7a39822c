package s3bundle

import (
	"context"
	"io"
)

// Poll repeats one conditional read of one key: the poll of `vsync run
// --watch`. It is safe for concurrent use.
type Poll interface {
	// IfNoneMatch is Backend.GetIfNoneMatch of the poll's key, with the
	// same contract: ErrNotModified and no reader after one request that
	// transfers no body while the object's ETag is etag, the object and
	// its info otherwise, ErrNotExist for a missing key, and the other
	// sentinels of the Backend contract as GetIfNoneMatch returns them.
	IfNoneMatch(ctx context.Context, etag string) (io.ReadCloser, ObjectInfo, error)
}

// Poller is implemented by a backend that can repeat one conditional read
// more cheaply than by calling GetIfNoneMatch each time (the S3 backend
// presigns the GET once). NewPoll uses it.
type Poller interface {
	// Poll returns a Poll of key. An invalid key is reported by the
	// Poll's reads (ErrBadKey), as GetIfNoneMatch reports it.
	Poll(key string) Poll
}

// NewPoll returns b's own Poll of key when b is a Poller, else one that
// calls b.GetIfNoneMatch.
func NewPoll(b Backend, key string) Poll {
	if p, ok := b.(Poller); ok {
		return p.Poll(key)
	}
	return getPoll{b: b, key: key}
}

// getPoll is the Poll of a backend that is not a Poller.
type getPoll struct {
	b   Backend
	key string
}

func (p getPoll) IfNoneMatch(ctx context.Context, etag string) (io.ReadCloser, ObjectInfo, error) {
	return p.b.GetIfNoneMatch(ctx, p.key, etag)
}
