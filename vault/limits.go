package vault

import (
	"errors"
	"fmt"
	"io"
)

// DefaultMaxBundleSize is the largest bundle (the encrypted object, in
// bytes) read or written when no other limit is given: 256 MiB, far above
// any real secrets folder, and small enough that a bundle a hostile bucket
// writer inflated cannot exhaust a host's memory.
const DefaultMaxBundleSize int64 = 256 << 20

// ErrTooLarge: a bundle, or a length field inside it, is over the maximum
// bundle size. Errors matching it are *SizeError.
var ErrTooLarge = errors.New("bundle too large")

// SizeError is a size over the maximum bundle size. It matches ErrTooLarge
// and names the sizes, never any content.
type SizeError struct {
	What  string // "the bundle", "the payload", "the literal data packet (as its length fields claim)"
	Size  int64  // in bytes; -1 when only known to be over Limit
	Limit int64  // the maximum bundle size in bytes
}

func (e *SizeError) Error() string {
	if e.Size < 0 {
		return fmt.Sprintf("%s: %s is larger than the maximum bundle size of %d bytes", ErrTooLarge, e.What, e.Limit)
	}
	return fmt.Sprintf("%s: %s is %d bytes, over the maximum bundle size of %d bytes", ErrTooLarge, e.What, e.Size, e.Limit)
}

// Is makes a *SizeError match ErrTooLarge.
func (e *SizeError) Is(target error) bool { return target == ErrTooLarge }

// ReadOptions says what Decrypt and Open may expect of a bundle.
type ReadOptions struct {
	// Size is the bundle's length in bytes when known (the object's
	// size), else 0. The payload buffer is allocated once from it, and a
	// length field claiming more than Size bytes is refused as tampering.
	Size int64
	// MaxSize is the maximum bundle size; 0 means DefaultMaxBundleSize.
	// More bytes than that are never read, and a Size or a length field
	// over it is refused with a *SizeError.
	MaxSize int64
	// NoSum makes Open skip the payload's SHA-256 and return "" for it:
	// a caller that does not record it saves a pass over the payload.
	// The manifest's per-file digests are checked either way.
	NoSum bool
	// Keys, when not nil, caches the S2K's result: opening many objects
	// sealed with one salt derives the key once.
	Keys *KeyCache
	// Stream, when not nil, has Open write the files of a bundle of
	// parallelHashMin or more (by Size) out as it decrypts them (see
	// StreamFiles); Open sets its Written.
	Stream *StreamFiles
}

// limit is the maximum bundle size o stands for.
func (o ReadOptions) limit() int64 {
	if o.MaxSize > 0 {
		return o.MaxSize
	}
	return DefaultMaxBundleSize
}

// checkClaim checks total, the bytes the length fields of a packet claim
// so far, against the limit and the bundle's known size.
func (o ReadOptions) checkClaim(what string, total int64) error {
	if total > o.limit() {
		return &SizeError{What: what, Size: total, Limit: o.limit()}
	}
	if o.Size > 0 && total > o.Size {
		return integrityError(fmt.Sprintf("%s is %d bytes, more than the %d-byte bundle", what, total, o.Size))
	}
	return nil
}

// errOverLimit is what cappedReader returns once its limit is passed.
var errOverLimit = errors.New("over the maximum bundle size")

// cappedReader reads at most left bytes of r; a further byte is
// errOverLimit (and sets over), so that nothing read through it can grow
// past the limit whatever the data claims.
type cappedReader struct {
	r    io.Reader
	left int64
	over bool
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var probe [1]byte
		n, err := c.r.Read(probe[:])
		if n > 0 {
			c.over = true
			return 0, errOverLimit
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
