package s3bundle

import (
	"context"
	"errors"
	"fmt"
)

// CheckReadOnly proves, writing nothing, that the Store's credentials can
// read current.pgp and cannot write it, as a runtime's should: the write
// probe is a PUT with If-None-Match: * on an object that exists, which
// credentials with write access get refused with ErrConflict (412) and
// read-only ones with ErrAccessDenied (403). It returns current.pgp's
// info once it was read (nil before). A current.pgp that does not exist
// is a *NoCurrentError; credentials that may write a *CanWriteError.
func (s *Store) CheckReadOnly(ctx context.Context) (*ObjectInfo, error) {
	key := s.CurrentKey()
	info, err := s.Current(ctx)
	if err != nil {
		if errors.Is(err, ErrNotExist) {
			return nil, &NoCurrentError{Env: s.Env, Key: key, Err: err}
		}
		return nil, fmt.Errorf("reading %q: %w", key, err)
	}
	_, err = s.Backend.Put(ctx, key, nil, PutOptions{IfNoneMatch: true})
	switch {
	case errors.Is(err, ErrAccessDenied):
		return &info, nil
	case errors.Is(err, ErrConflict):
		return &info, &CanWriteError{Key: key}
	case err == nil:
		return &info, &CanWriteError{Key: key, Accepted: true}
	}
	return &info, fmt.Errorf("write probe on %q: %w", key, err)
}

// ErrCanWrite: credentials meant to be read-only can write (CheckReadOnly).
var ErrCanWrite = errors.New("the key can write to the vault")

// NoCurrentError: current.pgp (Key) of env Env does not exist yet, so
// there is nothing to prove read access on. It matches ErrNotExist.
type NoCurrentError struct {
	Env, Key string
	Err      error
}

func (e *NoCurrentError) Error() string { return fmt.Sprintf("%q does not exist yet", e.Key) }
func (e *NoCurrentError) Unwrap() error { return e.Err }

// CanWriteError is ErrCanWrite on Key: the write probe was Accepted, or
// refused only because the object exists (412, not 403).
type CanWriteError struct {
	Key      string
	Accepted bool
}

func (e *CanWriteError) Error() string {
	if e.Accepted {
		return fmt.Sprintf("%v: a PUT on %q was accepted", ErrCanWrite, e.Key)
	}
	return fmt.Sprintf("%v: a conditional PUT on %q got 412, not 403", ErrCanWrite, e.Key)
}
func (e *CanWriteError) Unwrap() error { return ErrCanWrite }
