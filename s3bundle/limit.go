package s3bundle

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrTooLarge: an object is larger than the Store's MaxSize. Errors
// matching it are *SizeError.
var ErrTooLarge = errors.New("object too large")

// SizeError is an object over a Store's MaxSize. It matches ErrTooLarge.
type SizeError struct {
	Key   string
	Size  int64 // in bytes; -1 when only known to be over Limit
	Limit int64
}

func (e *SizeError) Error() string {
	if e.Size < 0 {
		return fmt.Sprintf("%s: %s is larger than the maximum bundle size of %d bytes", ErrTooLarge, e.Key, e.Limit)
	}
	return fmt.Sprintf("%s: %s is %d bytes, over the maximum bundle size of %d bytes", ErrTooLarge, e.Key, e.Size, e.Limit)
}

// Is makes a *SizeError match ErrTooLarge.
func (e *SizeError) Is(target error) bool { return target == ErrTooLarge }

// LimitObject applies limit (0: none) to an object just opened: one whose
// announced size (the GET's Content-Length, a file's size) is over it is
// closed unread and refused, so that its body is never transferred; any
// other is read through a reader that fails with a *SizeError as soon as
// the body turns out longer than limit (or than announced).
func LimitObject(rc io.ReadCloser, info ObjectInfo, limit int64) (io.ReadCloser, error) {
	if limit <= 0 {
		return rc, nil
	}
	if info.Size > limit {
		rc.Close()
		return nil, &SizeError{Key: info.Key, Size: info.Size, Limit: limit}
	}
	return &limitedBody{rc: rc, key: info.Key, left: limit, limit: limit}, nil
}

// limitedBody reads at most limit bytes of rc; one byte more is a
// *SizeError.
type limitedBody struct {
	rc    io.ReadCloser
	key   string
	left  int64
	limit int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var probe [1]byte
		if n, err := l.rc.Read(probe[:]); n == 0 {
			return 0, err
		}
		return 0, &SizeError{Key: l.key, Size: -1, Limit: l.limit}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }

// limitPoll is a Poll whose objects go through limitObject.
type limitPoll struct {
	p     Poll
	limit int64
}

func (l limitPoll) IfNoneMatch(ctx context.Context, etag string) (io.ReadCloser, ObjectInfo, error) {
	rc, info, err := l.p.IfNoneMatch(ctx, etag)
	if err != nil {
		return nil, info, err
	}
	rc, err = LimitObject(rc, info, l.limit)
	return rc, info, err
}
